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
  // Canned answers: "insert" adds the chosen text to the answer in place, at the cursor (without
  // JavaScript the button posts the draft and the server renders it back with the text added).
  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest ? e.target.closest("button[data-canned-insert]") : null;
    if (!button) { return; }
    var form = button.form, select = form && form.querySelector("select[data-canned-select]");
    var area = form && form.querySelector("textarea[data-answer-text]");
    if (!select || !area) { return; }
    var option = select.options[select.selectedIndex];
    var text = option ? option.getAttribute("data-body") : null;
    if (!text) { return; }  // nothing chosen: the server explains
    e.preventDefault();
    var start = area.selectionStart, end = area.selectionEnd, value = area.value;
    if (document.activeElement !== area && start === end && start === 0 && value) {
      start = end = value.length;  // never focused: append, as the server does
    }
    var before = value.slice(0, start).replace(/\s+$/, ""), after = value.slice(end);
    var inserted = (before ? before + "\n\n" : "") + text;
    area.value = inserted + (after.trim() ? "\n\n" + after.replace(/^\s+/, "") : "");
    area.focus();
    area.setSelectionRange(inserted.length, inserted.length);
    select.selectedIndex = 0;
  });
  // Confirm destructive actions; the server still requires a reason for each of them.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
})();
