/* Adds rows to Django inline formsets by cloning their empty form.
   Without JavaScript the page still offers a few empty rows. */
(function () {
  "use strict";
  function setup(fieldset) {
    var prefix = fieldset.getAttribute("data-formset");
    var total = fieldset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var max = fieldset.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    var body = fieldset.querySelector("[data-formset-body]");
    var template = fieldset.querySelector("template[data-formset-empty]");
    var button = fieldset.querySelector("[data-formset-add]");
    if (!total || !body || !template || !button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      // A <template> parses table rows and list items alike.
      var holder = document.createElement("template");
      holder.innerHTML = html.trim();
      var row = holder.content.firstElementChild;
      body.appendChild(row);
      total.value = String(index + 1);
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var sets = document.querySelectorAll("[data-formset]");
    for (var i = 0; i < sets.length; i += 1) { setup(sets[i]); }
  });
})();
