/* Follows attendance imports that run in the background: asks the status
   address of each [data-import-status] block every few seconds, moves its
   progress bar, and reloads the page once the import has finished so that
   its result (or the list of problems) shows. Without JavaScript the page
   offers a reload link instead. */
(function () {
  "use strict";
  var DELAY = 1500;

  function follow(block) {
    var url = block.getAttribute("data-import-status");
    var bar = block.querySelector("progress");
    var done = block.querySelector("[data-import-done]");
    var total = block.querySelector("[data-import-total]");
    var record = block.closest(".import-record");
    var label = record ? record.querySelector("[data-import-label]") : null;

    function show(status) {
      if (bar) {
        bar.value = status.progress;
        bar.textContent = status.progress + "%";
      }
      if (label) { label.textContent = status.label; }
      if (done) { done.textContent = String(status.processed_rows); }
      if (total) { total.textContent = String(status.total_rows); }
    }

    function ask() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (status) {
          show(status);
          if (status.finished) {
            window.location.reload();
          } else {
            window.setTimeout(ask, DELAY);
          }
        })
        .catch(function () { window.setTimeout(ask, DELAY * 4); });
    }

    window.setTimeout(ask, DELAY);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var blocks = document.querySelectorAll("[data-import-status]");
    for (var i = 0; i < blocks.length; i += 1) { follow(blocks[i]); }
  });
})();
