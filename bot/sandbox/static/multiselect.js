/* A Slack-like multi-select (multi_static_select, multi_users_select): the chosen items as
 * chips with a remove button, and a menu of checkable options that a click toggles one at a
 * time (never deselecting the others), with a filter box. Plain JavaScript.
 *
 * MultiSelect.create({options: [{value, label, group}], chosen: [values], placeholder,
 *                     onChange(values)}) -> {el, value()} */
(function (global) {
  "use strict";
  const S = () => global.Strings;
  const esc = (text) => String(text).replace(/[&<>"']/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const pretty = (text) => (global.Emoji ? global.Emoji.html(esc(text)) : esc(text));

  function create({ options, chosen, placeholder, onChange }) {
    const selected = new Set((chosen || []).filter((v) => options.some((o) => o.value === v)));
    const root = document.createElement("div");
    root.className = "bk-multi";
    const box = document.createElement("div");
    box.className = "bk-multi-box";
    box.tabIndex = 0;
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-expanded", "false");
    const chips = document.createElement("span");
    chips.className = "bk-chips";
    const search = document.createElement("input");
    search.className = "bk-multi-search";
    search.type = "text";
    search.autocomplete = "off";
    const menu = document.createElement("div");
    menu.className = "bk-multi-menu";
    menu.setAttribute("role", "listbox");
    menu.setAttribute("aria-multiselectable", "true");
    menu.hidden = true;
    box.append(chips, search);
    root.append(box, menu);

    const label = (v) => (options.find((o) => o.value === v) || { label: v }).label;
    const changed = () => { drawChips(); drawMenu(); if (onChange) onChange(value()); };
    const value = () => options.filter((o) => selected.has(o.value)).map((o) => o.value);

    function drawChips() {
      chips.innerHTML = "";
      value().forEach((v) => {
        const chip = document.createElement("span");
        chip.className = "bk-chip";
        chip.dataset.value = v;
        chip.innerHTML = `<span class="bk-chip-label">${pretty(label(v))}</span>`;
        const x = document.createElement("button");
        x.type = "button";
        x.className = "bk-chip-remove";
        x.textContent = "×";
        x.title = S().t("remove", { name: label(v) });
        x.setAttribute("aria-label", x.title);
        x.addEventListener("click", (e) => { e.stopPropagation(); selected.delete(v); changed(); });
        chip.appendChild(x);
        chips.appendChild(chip);
      });
      search.placeholder = selected.size ? "" : (placeholder || S().t("select_items"));
    }

    function drawMenu() {
      const needle = search.value.trim().toLowerCase();
      menu.innerHTML = "";
      let group = null;
      const shown = options.filter((o) => !needle || o.label.toLowerCase().includes(needle));
      shown.forEach((o) => {
        if (o.group && o.group !== group) {
          group = o.group;
          const head = document.createElement("div");
          head.className = "bk-multi-group";
          head.innerHTML = pretty(group);
          menu.appendChild(head);
        }
        const item = document.createElement("div");
        item.className = "bk-multi-option" + (selected.has(o.value) ? " checked" : "");
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", selected.has(o.value) ? "true" : "false");
        item.setAttribute("aria-checked", selected.has(o.value) ? "true" : "false");
        item.tabIndex = -1;
        item.dataset.value = o.value;
        item.innerHTML = `<span class="bk-check" aria-hidden="true"></span><span class="bk-option-label">${pretty(o.label)}</span>`;
        item.addEventListener("mousedown", (e) => e.preventDefault());  // keep the focus in the box
        item.addEventListener("click", (e) => {
          e.stopPropagation();
          if (selected.has(o.value)) selected.delete(o.value); else selected.add(o.value);
          changed();
        });
        menu.appendChild(item);
      });
      if (!shown.length) {
        const none = document.createElement("div");
        none.className = "bk-multi-empty";
        none.textContent = S().t("no_options");
        menu.appendChild(none);
      }
    }

    const open = () => { menu.hidden = false; box.setAttribute("aria-expanded", "true"); drawMenu(); };
    const close = () => { menu.hidden = true; box.setAttribute("aria-expanded", "false"); search.value = ""; };
    box.addEventListener("click", () => { if (menu.hidden) open(); search.focus(); });
    search.addEventListener("input", () => { if (menu.hidden) open(); else drawMenu(); });
    search.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { close(); }
      if (e.key === "Backspace" && !search.value && selected.size) {
        selected.delete(value()[selected.size - 1]);
        changed();
      }
    });
    root.addEventListener("focusout", (e) => { if (!root.contains(e.relatedTarget)) close(); });
    drawChips();
    return { el: root, value };
  }

  global.MultiSelect = { create };
})(window);
