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

// The call timer: a button beside a minutes field starts and stops it; stopping fills the field with the
// call's minutes, rounded up. The button says what it will do and how long the call has lasted.
document.addEventListener("click", function (evt) {
  var button = evt.target.closest && evt.target.closest("[data-call-timer]");
  if (!button) { return; }
  toggleTimer(button);
});

function toggleTimer(button) {
  var field = document.getElementById(button.getAttribute("data-call-timer"));
  var label = button.querySelector("span");
  if (button._started) {
    clearInterval(button._tick);
    var seconds = Math.round((Date.now() - button._started) / 1000);
    button._started = null;
    if (field) { field.value = Math.max(1, Math.ceil(seconds / 60)); }
    button.firstChild.nodeValue = "▶ ";
    label.textContent = button.getAttribute("data-start");
    return;
  }
  button._started = Date.now();
  button.firstChild.nodeValue = "■ ";
  var show = function () {
    var s = Math.round((Date.now() - button._started) / 1000);
    label.textContent = button.getAttribute("data-stop") + " " + Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  };
  show();
  button._tick = setInterval(show, 1000);
}

// A running timer is stopped (and the minutes filled in) when its form is sent.
document.addEventListener("htmx:configRequest", function (evt) {
  var form = evt.detail.elt;
  if (!form || !form.querySelectorAll) { return; }
  form.querySelectorAll("[data-call-timer]").forEach(function (button) {
    if (button._started) {
      toggleTimer(button);
      var field = document.getElementById(button.getAttribute("data-call-timer"));
      if (field) { evt.detail.parameters[field.name] = field.value; }
    }
  });
});

// Keyboard shortcuts of the case page (listed on "?"): single keys act only when no field has the focus;
// Ctrl+Enter records the contact from anywhere in its form, Ctrl+Shift+Enter records it and moves on.
document.addEventListener("keydown", function (evt) {
  if (!document.getElementById("panel-contact")) { return; }
  var form = document.querySelector("[data-testid=contact-form]");
  if (evt.key === "Enter" && (evt.ctrlKey || evt.metaKey) && form) {
    evt.preventDefault();
    var which = evt.shiftKey ? "[data-testid=contact-submit-next]" : "[data-testid=contact-submit]";
    form.querySelector(which).click();  // a click, so that htmx sends the button's name and value
    return;
  }
  var target = evt.target;
  var typing = target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
  if (typing || evt.ctrlKey || evt.metaKey || evt.altKey) { return; }
  var click = function (selector) {
    var el = document.querySelector(selector);
    if (el) { evt.preventDefault(); el.click(); }
  };
  var focus = function (selector) {
    var el = document.querySelector(selector);
    if (el) { evt.preventDefault(); el.scrollIntoView({ block: "nearest" }); el.focus(); }
    return el;
  };
  switch (evt.key) {
    case "?": {
      var help = document.getElementById("shortcuts");
      if (help) { help.hidden = !help.hidden; evt.preventDefault(); }
      break;
    }
    case "Escape": {
      var open = document.getElementById("shortcuts");
      if (open) { open.hidden = true; }
      break;
    }
    case "n": click("[data-testid=next-case-from-case]"); break;
    case "r": click("[data-testid=release]"); break;
    case "t": click("[data-call-timer]"); break;
    case "o": focus("[data-testid=contact-outcome]"); break;
    case "m": evt.preventDefault(); openTabAndFocus("messages", "[data-testid=message-channel]"); break;
    case "p": if (chooseOutcome("promise")) { evt.preventDefault(); } break;
    default:  // 1-9: the common outcomes' buttons, in order
      if (/^[1-9]$/.test(evt.key)) { click("[data-outcome-key='" + evt.key + "']"); }
  }
});

// The record form's buttons for the common outcomes: each sets the outcome select (which stays for the
// others); "promise to pay" shows the promise's fields and puts the cursor in its amount. The button of
// the outcome chosen is shown pressed, whichever way it was chosen.
document.addEventListener("click", function (evt) {
  var button = evt.target.closest && evt.target.closest("[data-outcome]");
  if (button) { chooseOutcome(button.getAttribute("data-outcome")); }
});

document.addEventListener("change", function (evt) {
  if (evt.target && evt.target.id === "contact-outcome") { pressOutcome(evt.target.value); }
});

function chooseOutcome(value) {
  var select = document.getElementById("contact-outcome");
  if (!select) { return false; }
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  if (value === "promise") {
    var amount = document.getElementById("promise-amount");
    if (amount) { amount.scrollIntoView({ block: "nearest" }); amount.focus(); }
  }
  return true;
}

function pressOutcome(value) {
  document.querySelectorAll("[data-outcome]").forEach(function (button) {
    button.setAttribute("aria-pressed", button.getAttribute("data-outcome") === value ? "true" : "false");
  });
}

// Buttons that used inline handlers, which the Content-Security-Policy refuses: <button data-print>
// prints the page; <a data-back href="/"> goes back where the user came from (home without a history).
document.addEventListener("click", function (evt) {
  var target = evt.target.closest ? evt.target : null;
  if (!target) { return; }
  if (target.closest("[data-print]")) { window.print(); return; }
  if (target.closest("a[data-back]") && window.history.length > 1) {
    evt.preventDefault();
    window.history.back();
  }
});

// The case page's tabs (the WAI-ARIA tabs pattern): a click, or the arrow keys, Home and End on the tab
// list, shows a tab, and the URL keeps it (?tab=NAME) so that a reload or a link opens it. A tab's panels
// (<section data-lazy hx-trigger="tab-load">) are fetched the first time the tab is on screen: at once
// when someone opens it, or when the page is scrolled to it. Once fetched, those marked data-refresh are
// fetched again whenever a panel answers `case-changed`; the others wait until they are looked at.
document.addEventListener("DOMContentLoaded", function () {
  var panels = document.querySelectorAll("[data-tabs] [role=tabpanel]");
  if (!panels.length) { return; }
  keepTabOnLanguageSwitch(new URL(window.location.href));
  if (!window.IntersectionObserver) { panels.forEach(function (p) { if (!p.hidden) { loadPanels(p); } }); return; }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting && !entry.target.hidden) { loadPanels(entry.target); }
    });
  });
  // Only once the console's own panels are in place: before, the page is short and the tabs in sight.
  var first = document.querySelectorAll("[hx-trigger=load]");
  var waiting = first.length;
  var watch = function () { panels.forEach(function (panel) { observer.observe(panel); }); };
  if (!waiting) { watch(); }
  first.forEach(function (section) {
    afterFetch(section, function () { waiting -= 1; if (waiting === 0) { watch(); } });
  });
});

// Calls `done` once, when the element's next request has been answered and its answer swapped in (or
// has failed).
function afterFetch(element, done) {
  var events = ["htmx:afterSettle", "htmx:responseError", "htmx:sendError"];
  var finish = function () {
    events.forEach(function (name) { element.removeEventListener(name, finish); });
    done();
  };
  events.forEach(function (name) { element.addEventListener(name, finish); });
}

function loadPanels(root) {
  root.querySelectorAll("[data-lazy]:not([data-loaded])").forEach(loadSection);
}

function loadSection(section) {
  section.setAttribute("data-loaded", "");
  htmx.trigger(section, "tab-load");
}

function showTab(name, focus) {
  var tab = document.getElementById("tab-" + name);
  if (!tab || tab.getAttribute("role") !== "tab") { return null; }
  tab.parentNode.querySelectorAll("[role=tab]").forEach(function (other) {
    var on = other === tab;
    other.setAttribute("aria-selected", on ? "true" : "false");
    other.tabIndex = on ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
  });
  if (focus) { tab.focus(); }
  var url = new URL(window.location.href);
  url.searchParams.set("tab", name);
  url.hash = "";
  window.history.replaceState(window.history.state, "", url.toString());
  keepTabOnLanguageSwitch(url);
  var panel = document.getElementById(tab.getAttribute("aria-controls"));
  loadPanels(panel);
  return panel;
}

// The language switch comes back to the page it was pressed on: with the tab open then.
function keepTabOnLanguageSwitch(url) {
  document.querySelectorAll("[data-testid=switch-language]").forEach(function (button) {
    var next = button.form && button.form.querySelector("input[name=next]");
    if (next) { next.value = url.pathname + url.search; }
  });
}

document.addEventListener("click", function (evt) {
  var tab = evt.target.closest && evt.target.closest("[data-tabs] [role=tab]");
  // Ctrl-, Shift- or middle-click opens the tab's link in a new window, as a link does.
  if (!tab || evt.button !== 0 || evt.ctrlKey || evt.metaKey || evt.shiftKey || evt.altKey) { return; }
  evt.preventDefault();
  showTab(tab.getAttribute("data-tab"), false);
});

document.addEventListener("keydown", function (evt) {
  var tab = evt.target.closest && evt.target.closest("[data-tabs] [role=tab]");
  if (!tab || evt.ctrlKey || evt.metaKey || evt.altKey) { return; }
  var tabs = Array.prototype.slice.call(tab.parentNode.querySelectorAll("[role=tab]"));
  var at = tabs.indexOf(tab);
  var to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1, " ": at }[evt.key];
  if (to === undefined) { return; }
  evt.preventDefault();
  showTab(tabs[(to + tabs.length) % tabs.length].getAttribute("data-tab"), true);
});

document.addEventListener("case-changed", function () {
  document.querySelectorAll("[data-lazy][data-loaded][data-refresh]").forEach(function (section) {
    htmx.trigger(section, "tab-load");
  });
});

// Calls `done` once the section's panel is in place: at once if it is, else after fetching it.
function whenLoaded(section, done) {
  if (section.hasAttribute("data-loaded") && !section.classList.contains("htmx-request")) { done(); return; }
  afterFetch(section, done);
  if (!section.hasAttribute("data-loaded")) { loadSection(section); }
}

function openTabAndFocus(name, selector) {
  var panel = showTab(name, false);
  if (!panel) { return; }
  panel.querySelectorAll("[data-lazy]").forEach(function (section) {
    whenLoaded(section, function () {
      var target = panel.querySelector(selector);
      if (target) { target.scrollIntoView({ block: "nearest" }); target.focus(); }
    });
  });
}

// "Print summary": the debts and the timeline are fetched if they were not yet (app.css prints them with
// the header and the contact points, whichever tab is open), then the browser's print dialog opens.
document.addEventListener("click", function (evt) {
  if (!(evt.target.closest && evt.target.closest("[data-print-summary]"))) { return; }
  var sections = ["debts", "timeline"].map(function (id) { return document.getElementById(id); })
    .filter(function (section) { return section; });
  var left = sections.length;
  if (!left) { window.print(); return; }
  sections.forEach(function (section) {
    whenLoaded(section, function () { left -= 1; if (left === 0) { window.print(); } });
  });
});

// The payments tab: the confirmation of a payment shows what was checked; changing the form, or "Change
// it", takes it away, so that what is confirmed is always what was checked.
function clearPaymentCheck(evt) {
  var form = evt.target.closest && evt.target.closest("[data-payment-form]");
  if (!form) { return; }
  if (evt.type === "click" && !evt.target.closest("[data-payment-cancel]")) { return; }
  var confirm = form.querySelector("#payment-confirm");
  if (confirm) { confirm.innerHTML = ""; }
}
document.addEventListener("input", clearPaymentCheck);
document.addEventListener("change", clearPaymentCheck);
document.addEventListener("click", clearPaymentCheck);
