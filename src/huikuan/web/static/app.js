// htmx swaps 4xx answers too: they carry the message, in the user's language, for the #flash area; so
// does a 503 (the server is busy: try again), which says when to retry.
document.addEventListener("DOMContentLoaded", function () {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "503", swap: true, error: false },
    { code: "5..", swap: false, error: true },
  ];
});
document.addEventListener("htmx:beforeRequest", function () {
  var flash = document.getElementById("flash");
  if (flash) { flash.innerHTML = ""; }
});
