// The epidemic map (maps/map.html): Leaflet, with each layer read as GeoJSON from the map API. Popups are built
// from DOM text nodes, never from HTML strings: a venue's name is typed by whoever registered it.
// The map is kept on window.epidemicMap, and window.epidemicMapLayers counts what each layer drew (for tests).
(function () {
  "use strict";
  var box = document.getElementById("epidemic-map");
  if (!box || typeof L === "undefined") { return; }
  var text = JSON.parse(document.getElementById("map-strings").textContent);
  var urls = JSON.parse(box.dataset.layers);
  var clock = new Intl.DateTimeFormat("en-GB", {
    timeZone: box.dataset.tz, day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  var center = box.dataset.center.split(",").map(Number);
  var showF3 = box.dataset.showF3 === "1";  // TRACING_MAX_LEVEL >= 3

  var map = L.map(box, { preferCanvas: true }).setView(center, Number(box.dataset.zoom));
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 18 }).addTo(map);
  }
  var control = L.control.layers(null, null, { collapsed: false }).addTo(map);
  var bounds = L.latLngBounds([]);
  var drawn = {};
  var overlays = {};  // added to the layers' control in the order of `urls` once all are in
  window.epidemicMap = map;
  window.epidemicMapLayers = drawn;

  function element(tag, content, className) {
    var node = document.createElement(tag);
    if (content !== undefined && content !== null) { node.textContent = content; }
    if (className) { node.className = className; }
    return node;
  }

  // "06/12 12:53" in the province's time zone, as the list page writes times (dd/mm, 24 hours).
  function parts(iso) {
    var found = {};
    clock.formatToParts(new Date(iso)).forEach(function (part) { found[part.type] = part.value; });
    return { day: found.day + "/" + found.month, time: found.hour + ":" + found.minute };
  }

  function visitLine(visit) {
    var start = parts(visit.start), end = parts(visit.end);
    var line = start.day + " " + start.time + " – " + (end.day === start.day ? "" : end.day + " ") + end.time;
    return visit.end_assumed ? line + " " + text.about : line;
  }

  function placePopup(props) {
    var node = element("div", null, "map-popup");
    node.appendChild(element("h3", props.name));
    node.appendChild(element("p", where(props)));
    var list = element("ul");
    props.visits.forEach(function (visit) { list.appendChild(element("li", visitLine(visit))); });
    node.appendChild(list);
    return node;
  }

  function checkpointPopup(props) {
    var node = element("div", null, "map-popup");
    node.appendChild(element("h3", props.name));
    node.appendChild(element("p", where(props)));
    return node;
  }

  function communeLines(props) {
    var lines = [text.f0 + ": " + props.f0, text.f1 + ": " + props.f1, text.f2 + ": " + props.f2];
    if (showF3 || props.f3) { lines.push(text.f3 + ": " + props.f3); }
    lines.push(text.quarantined + ": " + props.quarantined);
    return lines;
  }

  function communePopup(props) {
    var node = element("div", null, "map-popup");
    node.appendChild(element("h3", props.area_name));
    var list = element("ul");
    communeLines(props).forEach(function (line) { list.appendChild(element("li", line)); });
    node.appendChild(list);
    if (props.position_from === "venues") { node.appendChild(element("p", text.from_venues, "muted small")); }
    return node;
  }

  // Each layer: its title, how a feature is drawn and its popup, and how an unplaced one is listed.
  var kinds = {
    places: {
      title: text.places,
      marker: function (latlng) {
        return L.circleMarker(latlng, { radius: 8, color: "#a4161a", weight: 2, fillColor: "#e03131", fillOpacity: 0.7 });
      },
      popup: placePopup,
      unplaced: function (props) { return props.name + ", " + where(props) + ": " + props.visits.map(visitLine).join("; "); },
    },
    checkpoints: {
      title: text.checkpoints,
      marker: function (latlng) {
        return L.circleMarker(latlng, { radius: 6, color: "#1864ab", weight: 2, fillColor: "#4dabf7", fillOpacity: 0.8 });
      },
      popup: checkpointPopup,
      unplaced: function (props) { return text.checkpoints + ": " + props.name + ", " + where(props); },
    },
    communes: {
      title: text.communes,
      marker: function (latlng, props) {
        // Area grows with the F1 to handle, so that a commune with four times as many looks twice as wide.
        var radius = 6 + 3 * Math.sqrt(props.f1 + props.f0);
        var colour = props.f0 > 0 ? "#e8590c" : "#d4a106";
        return L.circleMarker(latlng, { radius: Math.min(radius, 40), color: colour, weight: 1, fillColor: colour, fillOpacity: 0.35 });
      },
      popup: communePopup,
      unplaced: function (props) { return props.area_name + ": " + communeLines(props).join(", "); },
    },
  };

  var summary = document.getElementById("map-summary");
  var unplacedCount = {};
  var unplacedCard = document.getElementById("map-unplaced-card");
  var unplacedList = document.getElementById("map-unplaced");

  // In the layer control's order; a layer's count includes what is listed below the map for want of a position.
  function report() {
    summary.textContent = Object.keys(urls).filter(function (name) { return name in drawn; }).map(function (name) {
      var line = kinds[name].title + ": " + (drawn[name] + (unplacedCount[name] || 0));
      return unplacedCount[name] ? line + " " + text.not_on_map.replace("%(n)s", unplacedCount[name]) : line;
    }).join(" · ");
  }

  // "Thôn 7, Xã Thạch Tượng · Xã Thạch Tượng": the commune once, when the address already ends with it.
  function where(props) {
    var address = props.address || "";
    if (!props.area_name || address.slice(-props.area_name.length) === props.area_name) { return address; }
    return address ? address + " · " + props.area_name : props.area_name;
  }

  function load(name) {
    var kind = kinds[name];
    return fetch(urls[name], { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (feature, latlng) { return kind.marker(latlng, feature.properties); },
          onEachFeature: function (feature, marker) { marker.bindPopup(kind.popup(feature.properties)); },
        });
        layer.addTo(map);
        overlays[name] = layer;
        if (layer.getLayers().length) { bounds.extend(layer.getBounds()); }
        data.unplaced.forEach(function (props) { unplacedList.appendChild(element("li", kind.unplaced(props))); });
        if (data.unplaced.length) { unplacedCard.hidden = false; }
        drawn[name] = data.features.length;
        unplacedCount[name] = data.unplaced.length;
      })
      .catch(function () {
        drawn[name] = 0;
        unplacedList.appendChild(element("li", kind.title + ": " + text.failed, "error"));
        unplacedCard.hidden = false;
      });
  }

  Promise.all(Object.keys(urls).map(load)).then(function () {
    Object.keys(urls).forEach(function (name) {
      if (overlays[name]) { control.addOverlay(overlays[name], kinds[name].title); }
    });
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 }); }
    report();
    box.dataset.ready = "true";
  });
})();
