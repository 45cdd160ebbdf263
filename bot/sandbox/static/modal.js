/* Modals of the sandbox page: the persona's modal stack, its top view rendered with BlockKit.
 * The view is rebuilt only when its id or hash changes, so typed values and errors stay. */
(function () {
  "use strict";
  const BK = window.BlockKit;

  function render(app, post, opts, refresh) {
    const stack = (app.data && app.data.modals) || [];
    const top = stack[stack.length - 1];
    const key = top ? `${app.persona}:${top.id}:${top.hash}:${stack.length}` : "";
    const old = document.getElementById("modal");
    if (key === app.modalKey && (key || !old)) return;
    app.modalKey = key;
    if (old) old.remove();
    if (!top) return;

    const layer = document.createElement("div");
    layer.id = "modal";
    layer.className = "overlay";
    layer.dataset.viewId = top.id;
    layer.dataset.persona = app.persona;
    layer.dataset.callbackId = top.callback_id || "";
    const dialog = document.createElement("div");
    dialog.className = "dialog modal";
    dialog.setAttribute("role", "dialog");
    const T = window.Strings.t;
    const back = stack.length > 1 ? `<span class="modal-back" title="${BK.esc(T("back"))}">‹</span>` : "";
    dialog.innerHTML = `<header class="modal-head">${back}<h2 class="modal-title">${BK.textHtml(top.title)}</h2>
      <button type="button" class="modal-x" title="${BK.esc(T("close"))}">×</button></header>
      <div class="modal-banner" hidden></div><div class="modal-body"></div><footer class="modal-foot"></footer>`;
    const body = dialog.querySelector(".modal-body");
    body.appendChild(BK.render(top.blocks, opts({ type: "view", view_id: top.id })));
    const foot = dialog.querySelector(".modal-foot");
    const banner = dialog.querySelector(".modal-banner");

    const close = (all) => post("/_sandbox/close", { view_id: top.id, all }).then(refresh);
    const closeBtn = document.createElement("button");
    closeBtn.type = "button";
    closeBtn.className = "modal-close";
    closeBtn.innerHTML = BK.textHtml(top.close || { type: "plain_text", text: T("cancel") });
    closeBtn.addEventListener("click", () => close(false));
    foot.appendChild(closeBtn);
    dialog.querySelector(".modal-x").addEventListener("click", () => close(true));

    if (top.submit) {
      const submit = document.createElement("button");
      submit.type = "button";
      submit.className = "modal-submit bk-button bk-primary";
      submit.innerHTML = BK.textHtml(top.submit);
      submit.addEventListener("click", () => {
        submit.disabled = true;
        banner.hidden = true;
        const values = BK.collect(body);
        post("/_sandbox/submit", { view_id: top.id, values }).then((r) => {
          submit.disabled = false;
          if (r.result === "errors") {
            BK.showErrors(body, r.errors);
            const first = body.querySelector(".bk-has-error");
            if (first) first.scrollIntoView({ block: "nearest" });
          } else if (r.result === "failed") {
            banner.hidden = false;
            banner.textContent = T("trouble");
          } else {
            BK.showErrors(body, {});
            refresh();
          }
        });
      });
      foot.appendChild(submit);
    }
    layer.appendChild(dialog);
    document.body.appendChild(layer);
  }

  /* Take the open modal off the page (a persona switch): it stays open for its persona in the
   * workspace and comes back with their state. */
  function hide(app) {
    app.modalKey = "";
    const old = document.getElementById("modal");
    if (old) old.remove();
  }

  window.Modal = { render, hide };
})();
