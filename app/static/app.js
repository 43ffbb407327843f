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
// A long select marked data-picker (villages, grids, community forces) gets a search box
// above it: typing keeps the matching options, the chosen one always stays. The options
// are rebuilt rather than hidden, since Safari on iOS ignores hidden options.
function enhancePickers(root) {
  root.querySelectorAll("select[data-picker]").forEach(function (select) {
    if (select.dataset.pickerReady || select.options.length < 8) { return; }
    select.dataset.pickerReady = "1";
    var all = Array.prototype.map.call(select.options, function (o) {
      return { value: o.value, text: o.text };
    });
    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm mb-1";
    search.placeholder = select.dataset.picker;
    search.setAttribute("aria-label", select.dataset.picker);
    search.addEventListener("input", function () {
      var words = search.value.trim().toLowerCase();
      var chosen = select.value;
      var matches = all.filter(function (o) {
        return o.value !== "" && words && o.text.toLowerCase().indexOf(words) !== -1;
      });
      // One match and nothing chosen yet: it is the one meant, no second tap needed.
      if (matches.length === 1 && chosen === "") { chosen = matches[0].value; }
      select.innerHTML = "";
      all.forEach(function (o) {
        if (!words || o.value === chosen || o.value === "" ||
            o.text.toLowerCase().indexOf(words) !== -1) {
          var option = new Option(o.text, o.value, false, o.value === chosen);
          select.add(option);
        }
      });
      select.value = chosen;
    });
    select.parentNode.insertBefore(search, select);
  });
}
document.addEventListener("DOMContentLoaded", function () { enhancePickers(document); });
document.addEventListener("htmx:load", function (event) { enhancePickers(event.target); });
