// Ticking contacts on a case's page or the work list: a header box ticks its table's rows, the count of ticked
// rows is shown, and the moves are off until one is ticked. Without this script the form still works (the server
// answers "no contact ticked").
(function () {
  "use strict";
  document.querySelectorAll("form.contacts-form").forEach(function (form) {
    var bar = form.querySelector(".contacts-actions");
    var counter = bar && bar.querySelector(".contacts-ticked");
    function rows() { return form.querySelectorAll('input[type=checkbox][name=contact]'); }
    function refresh() {
      var ticked = Array.prototype.filter.call(rows(), function (box) { return box.checked; }).length;
      if (counter) {
        counter.textContent = ticked ? counter.dataset.some.replace("{n}", ticked) : counter.dataset.none;
      }
      form.querySelectorAll(".contacts-move").forEach(function (button) { button.disabled = ticked === 0; });
      form.querySelectorAll("table").forEach(function (table) {
        var all = table.querySelector(".contacts-all");
        var boxes = table.querySelectorAll('input[type=checkbox][name=contact]');
        if (!all) return;
        var on = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
        all.checked = boxes.length > 0 && on === boxes.length;
        all.indeterminate = on > 0 && on < boxes.length;
      });
    }
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.classList.contains("contacts-all")) {
        target.closest("table").querySelectorAll('input[type=checkbox][name=contact]').forEach(function (box) {
          box.checked = target.checked;
        });
      }
      refresh();
    });
    refresh();
  });
})();
