// Gives the admin's script-built controls the names their fields already have:
// autocomplete boxes (select2) are named by their field's label, the cells of
// tabular inlines by their column heading, and the search icon of the two-box
// selector becomes the image its label text is. Without script the plain
// controls keep their own labels.
(function () {
  "use strict";

  function labelId(label) {
    if (!label.id) label.id = "label-" + label.htmlFor;
    return label.id;
  }

  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      var box = select.parentElement.querySelector('.select2-selection[role="combobox"]');
      var shown = box && box.querySelector(".select2-selection__rendered");
      if (!label || !box || !shown) return;
      // The box reads "label, choice"; the empty choice box reads as the label.
      box.setAttribute("aria-labelledby", labelId(label) + " " + shown.id);
      shown.setAttribute("aria-labelledby", labelId(label));
    });
  }

  function nameInlineCells(root) {
    root.querySelectorAll("div.tabular table").forEach(function (table) {
      var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          var heading = headings[index];
          if (!heading) return;
          cell.querySelectorAll("input, select, textarea").forEach(function (field) {
            if (field.type === "hidden" || field.labels && field.labels.length) return;
            if (!field.hasAttribute("aria-label")) field.setAttribute("aria-label", heading);
          });
        });
      });
    });
  }

  function nameSearchIcons(root) {
    root.querySelectorAll(".search-label-icon[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function nameAll() {
    nameAutocompletes(document);
    nameInlineCells(document);
    nameSearchIcons(document);
  }

  // select2 is set up in jQuery's ready callbacks, which may run after the load event.
  window.addEventListener("load", function () { window.setTimeout(nameAll, 0); });
  document.addEventListener("formset:added", function () { window.setTimeout(nameAll, 0); });
})();
