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
  // Many venues (an official's district): the venue search above the form (venue_search.js) chooses the venue in
  // place, so that what is typed stays; its entrances replace the list.
  var search = document.getElementById("venue-search");
  var hiddenVenue = form.querySelector("input[type=hidden][name=venue]");
  if (search && hiddenVenue && code) {
    search.addEventListener("venue-chosen", function (event) {
      var venue = event.detail;
      event.preventDefault();
      hiddenVenue.value = venue.id;
      var empty = code.querySelector("option[value='']");
      code.innerHTML = "";
      if (empty) code.appendChild(empty);
      venue.entrances.forEach(function (entrance) {
        var option = document.createElement("option");
        option.value = entrance.id;
        option.dataset.venue = venue.id;
        option.textContent = venue.name + " – " + entrance.label;
        code.appendChild(option);
      });
      code.value = "";
      var errors = document.getElementById("venue-errors");
      if (errors) errors.remove();
    });
  }
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.type === "radio") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
