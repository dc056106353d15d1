// Keyboard-first entry of paper declarations: Enter in a text field submits (as in any form), Enter in a
// checkbox ticks it; choosing another form reloads the page with that form's fields (the kind is remembered).
(function () {
  "use strict";
  var form = document.getElementById("enter-form");
  if (!form) return;
  form.querySelectorAll("input[data-switch]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      window.location.search = "?kind=" + encodeURIComponent(radio.value);
    });
  });
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.type === "checkbox") {
      event.preventDefault();
      target.checked = !target.checked;
    }
  });
})();
