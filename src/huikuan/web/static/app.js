// htmx swaps 4xx answers too: they carry the message, in the user's language; so does a 503 (the
// server is busy: try again), which says when to retry. An error caused by a form or button inside a
// panel of the page is shown in that panel, next to what was pressed, and announced to screen readers;
// anything else goes to the #flash area at the top.
document.addEventListener("DOMContentLoaded", function () {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "503", swap: true, error: false },
    { code: "5..", swap: false, error: true },
  ];
  showDependents(document);
});

function errorSlot(elt) {
  // The slot of the form (or button) that sent the request, if it sits in a panel of the page.
  if (!elt || !elt.closest || !elt.closest("section, dialog, .panel")) { return null; }
  var form = elt.closest("form") || elt;
  var slot = form.querySelector(":scope > .form-error");
  if (!slot) {
    slot = document.createElement("div");
    slot.className = "form-error";
    slot.setAttribute("role", "alert");
    slot.setAttribute("aria-live", "assertive");
    slot.setAttribute("data-testid", "form-error");
    var submit = form.querySelector("button:not([type=button]), input[type=submit]");
    var anchor = submit ? submit.closest("p, div, td") || submit : null;
    if (anchor && anchor.parentNode === form) { form.insertBefore(slot, anchor); }
    else if (form.tagName === "FORM") { form.appendChild(slot); }
    else { form.parentNode.insertBefore(slot, form.nextSibling); }
  }
  return slot;
}

document.addEventListener("htmx:beforeRequest", function (evt) {
  var flash = document.getElementById("flash");
  if (flash) { flash.innerHTML = ""; }
  var elt = evt.detail.elt;
  var form = elt && elt.closest ? elt.closest("form") || elt : null;
  if (form) {
    form.querySelectorAll(":scope > .form-error").forEach(function (slot) { slot.remove(); });
    var next = form.nextElementSibling;
    if (next && next.classList.contains("form-error")) { next.remove(); }
  }
});

document.addEventListener("htmx:beforeSwap", function (evt) {
  var status = evt.detail.xhr.status;
  if (status < 400) { return; }
  var slot = errorSlot(evt.detail.requestConfig && evt.detail.requestConfig.elt);
  if (!slot) { return; }
  evt.detail.shouldSwap = false;
  slot.innerHTML = evt.detail.serverResponse;
  slot.scrollIntoView({ block: "nearest" });
});

document.addEventListener("htmx:afterSwap", function (evt) {
  showDependents(evt.detail.target);
  // A panel that answers with a notice keeps it in sight.
  var notice = evt.detail.target.querySelector && evt.detail.target.querySelector(".alert.ok[role=status]");
  if (notice && evt.detail.target.id !== "flash") { notice.scrollIntoView({ block: "nearest" }); }
});

// <fieldset data-shown-by="select-id" data-shown-values="a b">: shown only while the select holds one
// of the values (its fields are then sent; hidden, they are disabled and not sent).
function showDependents(root) {
  (root.querySelectorAll ? root : document).querySelectorAll("[data-shown-by]").forEach(function (el) {
    var select = document.getElementById(el.getAttribute("data-shown-by"));
    if (!select) { return; }
    var values = el.getAttribute("data-shown-values").split(" ");
    var update = function () {
      var on = values.indexOf(select.value) >= 0;
      el.hidden = !on;
      el.disabled = !on;
    };
    select.addEventListener("change", update);
    update();
  });
}
