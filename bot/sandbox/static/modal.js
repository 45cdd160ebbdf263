/* Modals of the sandbox page: the persona's modal stack, its top view rendered with BlockKit.
 * The view is rebuilt only when its id or hash changes, so typed values and errors stay. */
(function () {
  "use strict";
  const BK = window.BlockKit;

  function render(app, post, opts, refresh) {
    const stack = (app.data && app.data.modals) || [];
    const top = stack[stack.length - 1];
    const key = top ? `${app.persona}:${top.id}:${top.hash}:${stack.length}` : "";
    if (key === app.modalKey) return;
    app.modalKey = key;
    const old = document.getElementById("modal");
    if (old) old.remove();
    if (!top) return;

    const layer = document.createElement("div");
    layer.id = "modal";
    layer.className = "overlay";
    layer.dataset.viewId = top.id;
    layer.dataset.callbackId = top.callback_id || "";
    const dialog = document.createElement("div");
    dialog.className = "dialog modal";
    dialog.setAttribute("role", "dialog");
    const back = stack.length > 1 ? '<span class="modal-back" title="Back">‹</span>' : "";
    dialog.innerHTML = `<header class="modal-head">${back}<h2 class="modal-title">${BK.textHtml(top.title)}</h2>
      <button type="button" class="modal-x" title="Close">×</button></header>
      <div class="modal-banner" hidden></div><div class="modal-body"></div><footer class="modal-foot"></footer>`;
    const body = dialog.querySelector(".modal-body");
    body.appendChild(BK.render(top.blocks, opts({ type: "view", view_id: top.id })));
    const foot = dialog.querySelector(".modal-foot");
    const banner = dialog.querySelector(".modal-banner");

    const close = (all) => post("/_sandbox/close", { view_id: top.id, all }).then(refresh);
    const closeBtn = document.createElement("button");
    closeBtn.type = "button";
    closeBtn.className = "modal-close";
    closeBtn.innerHTML = BK.textHtml(top.close || { type: "plain_text", text: "Cancel" });
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
            banner.textContent = "We had some trouble connecting. Try again?";
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

  window.Modal = { render };
})();
