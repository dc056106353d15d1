// Paper declarations: the entrance list shows only the chosen venue's entrances; Enter submits from any
// field (also from the yes/no toggles), so staff can type a pile of forms without the mouse.
(function () {
  "use strict";
  var form = document.getElementById("paper-form");
  if (!form) return;
  var venue = form.querySelector("select[name=venue]");
  var code = form.querySelector("select[name=code]");
  if (venue && code) {
    // Each entrance option carries data-venue; the server checks the pair again.
    var filter = function () {
      Array.prototype.forEach.call(code.options, function (option) {
        option.hidden = option.value !== "" && option.dataset.venue !== venue.value;
      });
      if (code.selectedOptions[0] && code.selectedOptions[0].hidden) code.value = "";
    };
    venue.addEventListener("change", filter);
    filter();
  }
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.type === "radio") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
