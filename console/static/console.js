// Keyboard shortcuts for queues and inboxes (progressive enhancement: every action also works
// without JavaScript). j/k move between rows, o or Enter opens, a accepts the suggestion.
(function () {
  "use strict";
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); }
  var current = -1;
  function select(i) {
    var all = rows();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach(function (r, n) { r.classList.toggle("current", n === current); });
    all[current].scrollIntoView({ block: "nearest" });
    var link = all[current].querySelector("a[data-open]");
    if (link) { link.focus({ preventScroll: true }); }
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (/INPUT|TEXTAREA|SELECT/.test(tag) || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var all = rows();
    if (!all.length) { return; }
    if (e.key === "j") { select(current + 1); e.preventDefault(); }
    else if (e.key === "k") { select(current - 1); e.preventDefault(); }
    else if ((e.key === "o") && current >= 0) {
      var link = all[current].querySelector("a[data-open]"); if (link) { link.click(); }
    } else if (e.key === "a" && current >= 0) {
      var btn = all[current].querySelector("button[data-accept]"); if (btn) { btn.click(); }
    }
  });
  // Confirm destructive actions; the server still requires a reason for each of them.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
})();
