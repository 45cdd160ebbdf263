/* Block Kit renderer of the sandbox page. Plain JavaScript, no dependency.
 *
 * BlockKit.render(blocks, opts) -> HTMLElement
 *   opts.users: {U..: {name, real_name}}; opts.confirm(confirmObject) -> Promise<bool>;
 *   opts.onAction({blockIndex, elementIndex, value, surface}): elementIndex is null for a
 *   section's accessory, surface the rendered root (for BlockKit.collect).
 * BlockKit.mrkdwn(text, users) -> safe HTML; BlockKit.collect(root) -> {blockIndex: raw value};
 * BlockKit.showErrors(root, {blockIndex: message}).
 * A block or element this renderer does not know shows as a visible `.bk-unknown` placeholder.
 */
(function (global) {
  "use strict";

  const EMOJI = {
    white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", tada: "🎉",
    bell: "🔔", calendar: "📅", memo: "📝", hourglass: "⌛", house: "🏠", rocket: "🚀",
    page_facing_up: "📄", arrows_counterclockwise: "🔄", information_source: "ℹ️",
  };

  function esc(text) {
    return String(text).replace(/[&<>"']/g, (c) => (
      { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  function decode(text) {
    return String(text).replace(/&(lt|gt|amp);/g, (_, e) => ({ lt: "<", gt: ">", amp: "&" }[e]));
  }
  function userName(id, users, fallback) {
    const u = users && users[id];
    return u ? (u.real_name || u.name) : (fallback || id);
  }

  function control(inner, users) {
    const bar = inner.indexOf("|");
    const target = bar >= 0 ? inner.slice(0, bar) : inner;
    const label = bar >= 0 ? inner.slice(bar + 1) : "";
    if (target[0] === "@") {
      const id = target.slice(1);
      return `<span class="bk-mention" data-user="${esc(id)}">@${esc(userName(id, users, decode(label)))}</span>`;
    }
    if (target[0] === "#") {
      return `<span class="bk-channel">#${esc(decode(label) || target.slice(1))}</span>`;
    }
    if (target[0] === "!") {
      const word = target.slice(1).split("^")[0];
      const shown = label ? decode(label) : "@" + word;
      return `<span class="bk-mention">${esc(shown)}</span>`;
    }
    const url = decode(target);
    if (/^(https?:|mailto:)/i.test(url)) {
      return `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer">${esc(decode(label) || url)}</a>`;
    }
    return esc(decode(inner));
  }

  /* mrkdwn -> HTML. Every piece of text is escaped; only this function's tags are added. */
  function mrkdwn(text, users) {
    const kept = [];
    const keep = (html) => { kept.push(html); return "\u0000" + (kept.length - 1) + "\u0000"; };
    let s = String(text == null ? "" : text);
    s = s.replace(/```([\s\S]*?)```/g, (_, code) =>
      keep(`<pre class="bk-pre">${esc(decode(code.replace(/^\n/, "")))}</pre>`));
    s = s.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code class="bk-code">${esc(decode(code))}</code>`));
    s = s.replace(/<([^<>\s][^<>]*)>/g, (_, inner) => keep(control(inner, users)));
    s = esc(decode(s));
    s = s.replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])/g, "$1<b>$2</b>");
    s = s.replace(/(^|[^\w_])_(?!\s)([^_\n]+?)_(?![\w_])/g, "$1<i>$2</i>");
    s = s.replace(/(^|[^\w~])~(?!\s)([^~\n]+?)~(?![\w~])/g, "$1<s>$2</s>");
    s = s.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
    s = emoji(s);
    s = s.split("\n").map((line) => (line.startsWith("&gt; ")
      ? `<span class="bk-quote">${line.slice(5)}</span>` : line)).join("<br>");
    return s.replace(/\u0000(\d+)\u0000/g, (_, i) => kept[Number(i)]);
  }

  /* Emoji characters as images (no emoji font needed), in HTML that is already escaped. */
  function emoji(html) { return global.Emoji ? global.Emoji.html(html) : html; }
  /* Text for places that cannot hold an image (select options): emoji as :shortcodes:. */
  function emojiText(text) { return global.Emoji ? global.Emoji.text(text) : text; }
  const T = (key, params) => (global.Strings ? global.Strings.t(key, params) : key);

  function textHtml(obj, users) {
    if (!obj) return "";
    if (typeof obj === "string") return emoji(esc(obj));
    if (obj.type === "mrkdwn") return mrkdwn(obj.text, users);
    const plain = esc(obj.text || "");
    return emoji(obj.emoji === false ? plain : plain.replace(/:([a-z0-9_+-]+):/g, (m, n) => EMOJI[n] || m));
  }
  function plainOf(obj) { return obj ? String(obj.text || "") : ""; }

  function node(tag, cls, html) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (html != null) el.innerHTML = html;
    return el;
  }
  function unknown(kind, type) {
    const el = node("div", "bk-unknown");
    el.dataset.unknown = type || "(none)";
    el.textContent = T(kind === "block" ? "unsupported_block" : "unsupported_element", { type: type || "(no type)" });
    return el;
  }

  function fillSelect(select, el, users, chosen) {
    const multi = select.multiple;
    if (!multi) {
      const ph = node("option", null);
      ph.value = "";
      ph.textContent = emojiText(plainOf(el.placeholder)) || T("select_item");
      select.appendChild(ph);
    }
    const add = (parent, value, label) => {
      const o = node("option");
      o.value = value;
      o.textContent = emojiText(label);
      o.selected = chosen.includes(value);
      parent.appendChild(o);
    };
    if (el.type === "users_select" || el.type === "multi_users_select") {
      Object.keys(users || {}).filter((id) => !users[id].is_bot)
        .forEach((id) => add(select, id, userName(id, users)));
    } else if (el.option_groups) {
      el.option_groups.forEach((g) => {
        const grp = node("optgroup");
        grp.label = emojiText(plainOf(g.label));
        (g.options || []).forEach((o) => add(grp, o.value, plainOf(o.text)));
        select.appendChild(grp);
      });
    } else {
      (el.options || []).forEach((o) => add(select, o.value, plainOf(o.text)));
    }
  }

  function multiOptions(el, users) {
    if (el.type === "multi_users_select") {
      return Object.keys(users || {}).filter((id) => !users[id].is_bot)
        .map((id) => ({ value: id, label: userName(id, users) }));
    }
    if (el.option_groups) {
      return el.option_groups.flatMap((g) => (g.options || [])
        .map((o) => ({ value: o.value, label: plainOf(o.text), group: plainOf(g.label) })));
    }
    return (el.options || []).map((o) => ({ value: o.value, label: plainOf(o.text) }));
  }

  function initialOf(el) {
    switch (el.type) {
      case "static_select": case "radio_buttons": case "overflow":
        return el.initial_option ? [el.initial_option.value] : [];
      case "multi_static_select": case "checkboxes":
        return (el.initial_options || []).map((o) => o.value);
      case "users_select": return el.initial_user ? [el.initial_user] : [];
      case "multi_users_select": return el.initial_users || [];
      default: return [];
    }
  }

  /* One element. ctx: {blockIndex, elementIndex, input, opts}. Returns {el, value()} */
  function renderElement(el, ctx) {
    const opts = ctx.opts;
    let root;
    const fire = (value) => {
      if (ctx.input || !opts.onAction) return Promise.resolve();
      const surface = root.closest(".bk-blocks");
      return opts.onAction({ blockIndex: ctx.blockIndex, elementIndex: ctx.elementIndex, value, surface });
    };
    const ask = (confirm) => (confirm && opts.confirm ? opts.confirm(confirm) : Promise.resolve(true));
    let value = () => null;
    const type = el && el.type;
    switch (type) {
      case "button": {
        root = node("button", "bk-button" + (el.style ? " bk-" + el.style : ""), textHtml(el.text, opts.users));
        root.type = "button";
        root.addEventListener("click", () => ask(el.confirm).then((ok) => {
          if (!ok) return null;
          if (el.url) global.open(el.url, "_blank", "noopener");
          root.classList.add("bk-busy");
          return Promise.resolve(fire(undefined)).finally(() => root.classList.remove("bk-busy"));
        }));
        break;
      }
      case "multi_static_select": case "multi_users_select": {
        const multi = global.MultiSelect.create({
          options: multiOptions(el, opts.users),
          chosen: initialOf(el),
          placeholder: plainOf(el.placeholder),
          onChange: (values) => fire(values),
        });
        root = multi.el;
        value = multi.value;
        break;
      }
      case "static_select": case "users_select": {
        root = node("select", "bk-select");
        fillSelect(root, el, opts.users, initialOf(el));
        value = () => root.value || null;
        let last = value();  // as in Slack: choosing the option already chosen sends nothing
        root.addEventListener("change", () => {
          if (value() === last) return;
          last = value();
          fire(last);
        });
        break;
      }
      case "datepicker": case "timepicker": {
        root = node("input", "bk-date");
        root.type = type === "datepicker" ? "date" : "time";
        root.value = (type === "datepicker" ? el.initial_date : el.initial_time) || "";
        value = () => root.value || null;
        root.addEventListener("change", () => fire(value()));
        break;
      }
      case "plain_text_input": case "number_input": case "email_text_input": case "url_text_input": {
        root = node(el.multiline ? "textarea" : "input", "bk-text-input");
        if (!el.multiline) root.type = type === "number_input" ? "text" : "text";
        if (type === "number_input") root.inputMode = el.is_decimal_allowed ? "decimal" : "numeric";
        if (el.multiline) root.rows = 3;
        if (el.max_length) root.maxLength = el.max_length;
        root.placeholder = plainOf(el.placeholder);
        root.value = el.initial_value || "";
        value = () => root.value;
        break;
      }
      case "checkboxes": case "radio_buttons": {
        root = node("div", "bk-choices");
        const chosen = initialOf(el);
        const name = `bk-${ctx.blockIndex}-${ctx.elementIndex}-${Math.random().toString(36).slice(2)}`;
        (el.options || []).forEach((o) => {
          const label = node("label", "bk-choice");
          const box = node("input");
          box.type = type === "checkboxes" ? "checkbox" : "radio";
          box.name = name;
          box.value = o.value;
          box.checked = chosen.includes(o.value);
          label.appendChild(box);
          label.appendChild(node("span", null, textHtml(o.text, opts.users)));
          if (o.description) label.appendChild(node("span", "bk-choice-desc", textHtml(o.description, opts.users)));
          root.appendChild(label);
        });
        const checked = () => Array.from(root.querySelectorAll("input:checked")).map((i) => i.value);
        value = () => (type === "checkboxes" ? checked() : (checked()[0] || null));
        root.addEventListener("change", () => fire(value()));
        break;
      }
      case "overflow": {
        root = node("div", "bk-overflow");
        const toggle = node("button", "bk-overflow-toggle", "⋯");
        toggle.type = "button";
        toggle.title = T("more_actions");
        const menu = node("div", "bk-menu");
        menu.hidden = true;
        (el.options || []).forEach((o) => {
          const item = node("button", "bk-menu-item", textHtml(o.text, opts.users));
          item.type = "button";
          item.addEventListener("click", () => {
            menu.hidden = true;
            ask(el.confirm).then((ok) => ok && fire(o.value));
          });
          menu.appendChild(item);
        });
        toggle.addEventListener("click", () => { menu.hidden = !menu.hidden; });
        root.append(toggle, menu);
        break;
      }
      case "image":
        root = node("span", "bk-image", emoji("🖼 " + esc(el.alt_text || T("image"))));
        break;
      case "mrkdwn": case "plain_text":
        root = node("span", "bk-context-text", textHtml(el, opts.users));
        break;
      default:
        root = unknown("element", type);
    }
    root.dataset.elementType = type || "";
    if (el && el.action_id) root.dataset.actionId = el.action_id;
    return { el: root, value };
  }

  function renderBlock(block, index, opts) {
    const users = opts.users;
    const type = block && block.type;
    let root;
    switch (type) {
      case "header":
        root = node("div", "bk-header", textHtml(block.text, users));
        break;
      case "divider":
        root = node("hr", "bk-divider");
        break;
      case "section": {
        root = node("div", "bk-section");
        const main = node("div", "bk-section-main");
        if (block.text) main.appendChild(node("div", "bk-section-text", textHtml(block.text, users)));
        if (block.fields) {
          const fields = node("div", "bk-fields");
          block.fields.forEach((f) => fields.appendChild(node("div", "bk-field", textHtml(f, users))));
          main.appendChild(fields);
        }
        root.appendChild(main);
        if (block.accessory) {
          const acc = renderElement(block.accessory, { blockIndex: index, elementIndex: null, opts });
          acc.el.classList.add("bk-accessory");
          root.appendChild(acc.el);
        }
        break;
      }
      case "context":
        root = node("div", "bk-context");
        (block.elements || []).forEach((e, i) => {
          root.appendChild(renderElement(e, { blockIndex: index, elementIndex: i, opts }).el);
        });
        break;
      case "actions":
        root = node("div", "bk-actions");
        (block.elements || []).forEach((e, i) => {
          root.appendChild(renderElement(e, { blockIndex: index, elementIndex: i, opts }).el);
        });
        break;
      case "input": {
        root = node("div", "bk-input");
        const label = node("label", "bk-label", textHtml(block.label, users));
        if (block.optional) label.appendChild(node("span", "bk-optional", " " + esc(T("optional"))));
        const field = renderElement(block.element || {}, { blockIndex: index, elementIndex: null, input: !block.dispatch_action, opts });
        root.append(label, field.el);
        if (block.hint) root.appendChild(node("div", "bk-hint", textHtml(block.hint, users)));
        const error = node("div", "bk-error");
        error.hidden = true;
        root.appendChild(error);
        root.bkValue = field.value;
        break;
      }
      case "image":
        root = node("div", "bk-image-block", emoji("🖼 " + esc(block.alt_text || T("image"))));
        break;
      default:
        root = unknown("block", type);
    }
    root.classList.add("bk-block");
    root.dataset.blockIndex = String(index);
    root.dataset.blockType = type || "";
    if (block && block.block_id) root.dataset.blockId = block.block_id;
    return root;
  }

  function render(blocks, opts) {
    const root = node("div", "bk-blocks");
    (blocks || []).forEach((b, i) => root.appendChild(renderBlock(b, i, opts || {})));
    return root;
  }

  function collect(root) {
    const values = {};
    root.querySelectorAll(".bk-input[data-block-index]").forEach((b) => {
      values[b.dataset.blockIndex] = b.bkValue ? b.bkValue() : null;
    });
    return values;
  }

  function showErrors(root, errors) {
    root.querySelectorAll(".bk-input").forEach((b) => {
      const message = (errors || {})[b.dataset.blockIndex];
      const box = b.querySelector(".bk-error");
      b.classList.toggle("bk-has-error", Boolean(message));
      if (box) { box.hidden = !message; box.textContent = message || ""; }
    });
  }

  global.BlockKit = { render, mrkdwn, textHtml, collect, showErrors, esc };
})(window);
