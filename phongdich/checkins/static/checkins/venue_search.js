/* The venue search of the scan and paper pages (templates/checkins/_venue_search.html). Without this script the form
   is a plain GET search whose matches are links (?venue=<id>); with it, the matches come from the API as staff type,
   as the same links. Choosing one sends a cancelable "venue-chosen" event (detail: the venue with its entrances) on
   the form: a page that takes the venue in place (paper.js) cancels it, else the link is followed. */
(function () {
  "use strict";
  var form = document.getElementById("venue-search");
  if (!form) return;
  var input = document.getElementById("venue-q");
  var list = document.getElementById("venue-matches");
  var status = document.getElementById("venue-status");
  var byId = {};
  var timer = null;
  var seq = 0;

  function render(venues, more) {
    list.innerHTML = "";
    venues.forEach(function (venue) {
      byId[venue.id] = venue;
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = "?venue=" + venue.id;
      link.dataset.venue = venue.id;
      link.textContent = venue.name;
      var small = document.createElement("small");
      small.className = "muted";
      small.textContent = " " + [venue.area_name, venue.street_address, "#" + venue.id].join(" · ");
      li.appendChild(link);
      li.appendChild(small);
      list.appendChild(li);
    });
    status.textContent = !venues.length ? status.dataset.none : more ? status.dataset.more : "";
  }

  function lookup(params) {
    var mine = ++seq;
    return fetch(form.dataset.api + "?" + new URLSearchParams(params).toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (data) { if (mine === seq) render(data.results || [], data.more); return data.results || []; })
      .catch(function () { if (mine === seq) status.textContent = status.dataset.failed; return []; });
  }

  function search() {
    var q = input.value.trim();
    if (!q) { seq++; list.innerHTML = ""; status.textContent = ""; return; }
    lookup({ q: q });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
  // A match is chosen by a click, or by Tab to it and Enter (a link's own keys).
  list.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-venue]");
    if (!link) return;
    var venue = byId[link.dataset.venue];
    if (!venue) return; // listed by the server: follow the link
    var chosen = new CustomEvent("venue-chosen", { detail: venue, cancelable: true });
    if (!form.dispatchEvent(chosen)) {
      event.preventDefault();
      document.getElementById("venue-chosen-name").textContent = venue.name;
      var detail = document.getElementById("venue-chosen-detail");
      if (detail) detail.textContent = venue.area_name + " · #" + venue.id;
      list.innerHTML = "";
      status.textContent = "";
    }
  });
})();
