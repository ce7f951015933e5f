/* Keyboard-first entry of participants: Enter in a row moves to the next row's first
   field, and in the last row adds a row (through formset.js's button) instead of
   sending the form. Without JavaScript, Enter sends the form as usual. */
(function () {
  "use strict";
  function firstField(row) {
    return row ? row.querySelector("input:not([type=hidden]), select, textarea") : null;
  }
  function setup(fieldset) {
    var body = fieldset.querySelector("[data-formset-body]");
    var add = fieldset.querySelector("[data-formset-add]");
    var hint = fieldset.querySelector("[data-enter-hint]");
    if (!body || !add) { return; }
    if (hint) { hint.hidden = false; }
    body.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter" || event.isComposing || !target.matches("input, select")) { return; }
      if (target.type === "checkbox" || target.type === "submit") { return; }
      var row = target.closest("li");
      if (!row || row.parentElement !== body) { return; }
      event.preventDefault();
      var next = row.nextElementSibling;
      if (next) {
        firstField(next).focus();
      } else {
        add.click();  /* formset.js focuses the new row's first field */
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var sets = document.querySelectorAll("[data-enter-adds-row]");
    for (var i = 0; i < sets.length; i += 1) { setup(sets[i]); }
  });
})();
