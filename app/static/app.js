// Send the CSRF token with every HTMX request (the CSP forbids inline scripts).
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector("input[name=csrf_token]");
  if (meta) { event.detail.headers["X-CSRFToken"] = meta.value; }
});
// Ask before destructive actions marked with data-confirm.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
// A button marked data-print prints the page (documents such as an agreement).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
