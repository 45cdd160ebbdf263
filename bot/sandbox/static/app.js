/* The sandbox page: a small Slack client for one persona at a time. Plain JavaScript.
 * It reads /_sandbox/state (long poll) and tells /_sandbox/* what the persona does; the
 * sandbox server turns that into the signed request Slack would send the bot. */
(function () {
  "use strict";
  const BK = window.BlockKit;
  const T = (key, params) => window.Strings.t(key, params);
  const $ = (sel, root) => (root || document).querySelector(sel);
  const app = {
    persona: localStorage.getItem("sandbox.persona") || "",
    nav: JSON.parse(localStorage.getItem("sandbox.nav") || "null") || { kind: "channel", id: "C0AGREEMENTS" },
    thread: null, data: null, version: -1, ctrl: null, modalKey: "", dismissed: new Set(), drafts: {},
    seen: {}, sentAt: 0, locale: "",
  };

  function post(path, body) {
    return fetch(path, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ persona: app.persona, ...body }),
    }).then((r) => r.json().then((j) => {
      if (!r.ok) toast(j.error || `HTTP ${r.status}`);
      else if (j.ok === false && j.status !== undefined && j.status !== 200) {
        toast(j.status === 0 ? T("no_response") : T("http_status", { status: j.status }));
      }
      return j;
    })).catch((e) => { toast(String(e)); return { ok: false }; });
  }

  function toast(text) {
    const box = $("#toast");
    const item = document.createElement("div");
    item.className = "toast";
    item.textContent = text;
    box.appendChild(item);
    setTimeout(() => item.remove(), 6000);
  }

  /* --- long poll --------------------------------------------------------------------- */
  async function poll() {
    for (;;) {
      const ctrl = new AbortController();
      app.ctrl = ctrl;
      const url = `/_sandbox/state?persona=${encodeURIComponent(app.persona)}` +
        (app.version >= 0 ? `&since=${app.version}` : "");
      try {
        const r = await fetch(url, { signal: ctrl.signal, cache: "no-store" });
        const data = await r.json();
        const known = data.personas.some((p) => p.id === app.persona);
        const first = !app.data;
        if (!known) app.persona = data.persona;
        if (data.persona === app.persona) {
          if (data.locale !== app.locale) { app.locale = data.locale; window.Strings.setLocale(data.locale); }
          app.data = data; app.version = data.version;
          if (first && app.nav.kind !== "channel") go(app.nav);
          render();
        }
      } catch (e) {
        if (!ctrl.signal.aborted) await new Promise((ok) => setTimeout(ok, 1000));
      }
    }
  }
  function refresh() { app.version = -1; if (app.ctrl) app.ctrl.abort(); }

  function setPersona(id) {
    app.persona = id;
    localStorage.setItem("sandbox.persona", id);
    app.thread = null; app.data = null;
    window.Modal.hide(app);  // a modal belongs to the persona who opened it: theirs comes back with their state
    refresh();  // the first state of the new persona re-opens the App Home if it is shown
  }
  function go(nav) {
    app.nav = nav; app.thread = null;
    localStorage.setItem("sandbox.nav", JSON.stringify(nav));
    if (nav.kind === "home") post("/_sandbox/home", {});
    if (nav.kind === "dm") post("/_sandbox/home", { tab: "messages" });
    if (app.data) render();
  }

  /* --- rendering ---------------------------------------------------------------------- */
  const opts = (container) => ({
    users: app.data.users,
    confirm: confirmDialog,
    onAction: (a) => post("/_sandbox/action", {
      container, block_index: a.blockIndex, element_index: a.elementIndex, value: a.value,
      values: container.type === "view" && a.surface ? BK.collect(a.surface) : undefined,
    }),
  });

  function conversation() {
    const d = app.data;
    if (app.nav.kind === "dm") return { ...d.dm, name: d.bot.name, dm: true };
    return d.channels.find((c) => c.id === app.nav.id) || d.channels[0];
  }

  function timeOf(ts) {
    const t = new Date(Number(String(ts).split(".")[0]) * 1000);
    return t.toLocaleTimeString(window.Strings.locale, { hour: "2-digit", minute: "2-digit" });
  }
  function tsKey(ts) {  // "1700000000.000100" sorts as text once both parts are padded
    const [sec, frac] = String(ts).split(".");
    return sec.padStart(12, "0") + "." + (frac || "").padEnd(6, "0");
  }
  function initials(name) { return name.split(/[\s.]+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join(""); }

  function sizeOf(n) {
    return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
  }

  // files shared in a message, as Slack shows them: name, type and size; a click previews
  function filesEl(files) {
    const list = document.createElement("div");
    list.className = "files";
    for (const f of files) {
      const a = document.createElement("a");
      a.className = "file";
      a.href = `/_sandbox/file/${encodeURIComponent(f.id)}`;
      a.target = "_blank";
      a.rel = "noopener";
      a.innerHTML = `<span class="file-icon">${BK.esc((f.filetype || "file").slice(0, 4).toUpperCase())}</span>
        <span class="file-meta"><span class="file-name">${BK.esc(f.title || f.name)}</span>
        <span class="file-sub">${BK.esc(f.name)} · ${BK.esc(f.filetype || "")} · ${sizeOf(f.size || 0)}</span></span>`;
      list.appendChild(a);
    }
    return list;
  }

  function messageEl(m, channelId, { ephemeral = false, inThread = false } = {}) {
    const d = app.data;
    const authorId = ephemeral ? (m.author || d.bot.user_id) : m.user;
    const author = d.users[authorId] || { name: m.username || T("someone"), is_bot: true };
    const el = document.createElement("div");
    el.className = "msg" + (ephemeral ? " ephemeral" : "");
    el.dataset.ts = m.ts;
    el.innerHTML = `<div class="avatar${author.is_bot ? " bot" : ""}">${BK.esc(initials(author.real_name || author.name))}</div>
      <div class="msg-body"><div class="msg-head"><span class="author">${BK.esc(author.real_name || author.name)}</span>
      ${author.is_bot ? `<span class="badge">${BK.esc(T("app_badge"))}</span>` : ""}<time>${timeOf(m.ts)}</time>
      ${m.edited ? `<span class="edited">${BK.esc(T("edited"))}</span>` : ""}</div><div class="msg-content"></div></div>`;
    const content = $(".msg-content", el);
    const container = { type: "message", channel: channelId, ts: m.ts };
    if (m.blocks && m.blocks.length) content.appendChild(BK.render(m.blocks, opts(container)));
    else content.innerHTML = `<div class="msg-text">${BK.mrkdwn(m.text || "", d.users)}</div>`;
    window.Emoji.inElement(content);
    if (m.files && m.files.length) content.appendChild(filesEl(m.files));
    const body = $(".msg-body", el);
    if (!inThread && m.reply_count) {
      const link = document.createElement("a");
      link.className = "replies";
      link.href = "#";
      link.textContent = m.reply_count === 1 ? T("reply_one") : T("replies", { n: m.reply_count });
      link.addEventListener("click", (e) => { e.preventDefault(); app.thread = m.ts; render(); });
      body.appendChild(link);
    }
    if (ephemeral) {
      const note = document.createElement("div");
      note.className = "eph-note";
      note.innerHTML = `${BK.esc(T("only_you"))} · <a href="#">${BK.esc(T("dismiss"))}</a>`;
      $("a", note).addEventListener("click", (e) => { e.preventDefault(); app.dismissed.add(m.ts); render(); });
      body.appendChild(note);
    }
    return el;
  }

  function messagesEl(conv, msgs, ephemerals, inThread) {
    const list = document.createElement("div");
    list.className = "messages";
    const all = msgs.map((m) => ({ m, e: false }))
      .concat(ephemerals.filter((e) => !app.dismissed.has(e.ts)).map((m) => ({ m, e: true })))
      .sort((a, b) => tsKey(a.m.ts).localeCompare(tsKey(b.m.ts)));
    if (!all.length) list.innerHTML = `<div class="empty">${BK.esc(T("no_messages"))}</div>`;
    all.forEach(({ m, e }) => list.appendChild(messageEl(m, conv.id, { ephemeral: e, inThread })));
    return list;
  }

  function composer(conv, threadTs) {
    const form = document.createElement("form");
    form.className = "composer";
    const hint = conv.dm ? T("dm_hint") : threadTs ? T("reply_hint") : T("channel_hint", { name: conv.name });
    form.innerHTML = `<textarea rows="1" placeholder="${BK.esc(hint)}"></textarea><button type="submit">${BK.esc(T("send"))}</button>`;
    const box = $("textarea", form);
    const key = `${conv.id}:${threadTs || ""}`;
    form.dataset.draft = key;
    box.value = app.drafts[key] || "";
    box.addEventListener("input", () => { app.drafts[key] = box.value; });
    const send = () => {
      const text = box.value.trim();
      if (!text) return;
      box.value = "";
      delete app.drafts[key];
      app.sentAt = Date.now();  // the reply to what this persona sent scrolls into view
      post("/_sandbox/message", { channel: conv.id, text, thread_ts: threadTs || undefined });
    };
    form.addEventListener("submit", (e) => { e.preventDefault(); send(); });
    box.addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(); } });
    return form;
  }

  function renderSidebar() {
    const d = app.data;
    const sel = $("#persona");
    if (sel.dataset.for !== d.personas.map((p) => p.id).join()) {
      sel.innerHTML = d.personas.map((p) => `<option value="${BK.esc(p.id)}" title="${BK.esc(p.name.split(" (")[0])} · ${BK.esc(p.roles.join(", "))}">${BK.esc(p.name.split(" (")[0])}</option>`).join("");
      sel.dataset.for = d.personas.map((p) => p.id).join();
    }
    sel.value = app.persona;
    const me = d.personas.find((p) => p.id === app.persona);
    $("#me").textContent = me ? me.roles.join(window.Strings.locale === "zh-CN" ? "、" : ", ") : app.persona;
    const nav = $("#nav");
    const item = (label, target, extra) => {
      const on = app.nav.kind === target.kind && (target.kind !== "channel" || app.nav.id === target.id);
      return `<a href="#" class="nav-item${on ? " active" : ""}" data-nav="${target.kind}" data-id="${target.id || ""}">${label}${extra || ""}</a>`;
    };
    const unread = unreadDms();
    const badge = unread ? ` <span class="count" title="${BK.esc(T("unread", { n: unread }))}">${unread}</span>` : "";
    nav.innerHTML = `<div class="nav-title">${BK.esc(T("channels"))}</div>` +
      d.channels.map((c) => item(`# ${BK.esc(c.name)}`, { kind: "channel", id: c.id })).join("") +
      `<div class="nav-title">${BK.esc(T("direct_messages"))}</div>` +
      item(`● ${BK.esc(d.bot.name)}`, { kind: "dm" }, badge) +
      `<div class="nav-title">${BK.esc(T("apps"))}</div>` +
      item(`⌂ ${BK.esc(d.bot.name)} ${BK.esc(T("home_suffix"))}`, { kind: "home" });
    nav.querySelectorAll(".nav-item").forEach((a) => a.addEventListener("click", (e) => {
      e.preventDefault();
      go({ kind: a.dataset.nav, id: a.dataset.id || undefined });
    }));
  }

  /* DMs this persona has not seen: the count of messages since they last opened the DM. */
  function seenKey() { return `sandbox.seen.${app.persona}`; }
  function unreadDms() {
    const total = app.data.dm.messages.length;
    if (app.nav.kind === "dm") {
      app.seen[app.persona] = total;
      localStorage.setItem(seenKey(), String(total));
      return 0;
    }
    const seen = app.seen[app.persona] ?? Number(localStorage.getItem(seenKey()) || 0);
    return Math.max(0, total - seen);
  }

  function renderMain() {
    const main = $("#main");
    const d = app.data;
    const keep = $(".messages", main);
    const atBottom = !keep || keep.scrollHeight - keep.scrollTop - keep.clientHeight < 40;
    const oldScroll = keep ? keep.scrollTop : 0;
    const before = new Set(keep ? Array.from(keep.querySelectorAll(":scope > .msg")).map((m) => m.dataset.ts) : []);
    const sameConversation = keep && keep.dataset.conv === `${app.nav.kind}:${app.nav.id || ""}`;
    main.innerHTML = "";
    if (app.nav.kind === "home") {
      main.innerHTML = `<header class="pane-head"><b>${BK.esc(d.bot.name)}</b><span class="tab active">${BK.esc(T("home_tab"))}</span></header>`;
      const body = document.createElement("div");
      body.className = "home";
      if (d.home) body.appendChild(BK.render(d.home.blocks, opts({ type: "view", view_id: d.home.id })));
      else body.innerHTML = `<div class="empty">${BK.esc(T("opening_home"))}</div>`;
      main.appendChild(body);
      return;
    }
    const conv = conversation();
    const title = conv.dm ? `● ${BK.esc(conv.name)}` : `# ${BK.esc(conv.name)}`;
    main.innerHTML = `<header class="pane-head"><b>${title}</b><span class="purpose">${BK.esc(conv.purpose || "")}</span></header>`;
    const eph = conv.ephemerals.filter((e) => !e.thread_ts);
    const list = messagesEl(conv, conv.messages, eph, false);
    list.dataset.conv = `${app.nav.kind}:${app.nav.id || ""}`;
    main.appendChild(list);
    main.appendChild(composer(conv));
    list.scrollTop = atBottom || !sameConversation ? list.scrollHeight : oldScroll;
    // a new reply to what this persona just did comes into view, even when scrolled up
    const fresh = sameConversation ? Array.from(list.querySelectorAll(":scope > .msg")).filter((m) => !before.has(m.dataset.ts)) : [];
    if (fresh.length && Date.now() - app.sentAt < 30000) fresh[fresh.length - 1].scrollIntoView({ block: "nearest" });
  }

  function renderThread() {
    const pane = $("#thread");
    if (!app.thread || app.nav.kind === "home") { pane.hidden = true; pane.innerHTML = ""; return; }
    const conv = conversation();
    const parent = conv.messages.find((m) => m.ts === app.thread);
    if (!parent) { app.thread = null; pane.hidden = true; return; }
    pane.hidden = false;
    pane.innerHTML = `<header class="pane-head"><b>${BK.esc(T("thread"))}</b><span class="purpose"># ${BK.esc(conv.name)}</span><button class="close" title="${BK.esc(T("close"))}">×</button></header>`;
    $(".close", pane).addEventListener("click", () => { app.thread = null; render(); });
    const replies = conv.threads[app.thread] || [];
    const eph = conv.ephemerals.filter((e) => e.thread_ts === app.thread);
    const list = messagesEl(conv, [parent, ...replies], eph, true);
    pane.appendChild(list);
    pane.appendChild(composer(conv, app.thread));
    list.scrollTop = list.scrollHeight;
  }

  function render() {
    if (!app.data) return;
    const focused = document.activeElement && document.activeElement.closest(".composer");
    const focusKey = focused ? focused.dataset.draft : null;
    renderSidebar();
    renderMain();
    renderThread();
    if (focusKey) {
      const again = document.querySelector(`.composer[data-draft="${focusKey}"] textarea`);
      if (again) { again.focus(); again.setSelectionRange(again.value.length, again.value.length); }
    }
    window.Modal.render(app, post, opts, refresh);
    document.body.dataset.version = String(app.data.version);
    document.body.dataset.persona = app.persona;
  }

  /* --- confirm dialogs ---------------------------------------------------------------- */
  function confirmDialog(c) {
    return new Promise((resolve) => {
      const layer = document.createElement("div");
      layer.className = "overlay confirm-layer";
      layer.innerHTML = `<div class="dialog confirm" role="dialog"><h3>${BK.textHtml(c.title)}</h3>
        <div class="confirm-text">${BK.textHtml(c.text, app.data.users)}</div><div class="dialog-foot">
        <button type="button" class="deny">${BK.textHtml(c.deny || { text: T("cancel") })}</button>
        <button type="button" class="ok bk-button ${c.style === "danger" ? "bk-danger" : "bk-primary"}">${BK.textHtml(c.confirm || { text: T("yes") })}</button></div></div>`;
      const done = (ok) => { layer.remove(); resolve(ok); };
      $(".deny", layer).addEventListener("click", () => done(false));
      $(".ok", layer).addEventListener("click", () => done(true));
      document.body.appendChild(layer);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#persona").addEventListener("change", (e) => setPersona(e.target.value));
    poll();
  });
  window.SandboxApp = { app, refresh, setPersona, go };
})();
