/* Area picker (see templates/geo/area_picker.html). No dependencies; keyboard first. */
(function () {
  "use strict";
  if (window.phongdichAreaPicker) return; // the include may appear several times on a page
  window.phongdichAreaPicker = true;

  function init(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var search = root.querySelector(".area-picker-search");
    var value = root.querySelector(".area-picker-value");
    var list = root.querySelector(".area-picker-options");
    var status = root.querySelector(".area-picker-status");
    var results = [];
    var active = -1;
    var timer = null;
    var seq = 0;

    function close() {
      list.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.querySelectorAll("li");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
      search.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var area = results[index];
      if (!area) return;
      value.value = area.id;
      search.value = area.parent_name ? area.name + ", " + area.parent_name : area.name;
      search.setCustomValidity("");
      value.dispatchEvent(new Event("change", { bubbles: true }));
      close();
    }

    function render() {
      list.innerHTML = "";
      results.forEach(function (area, i) {
        var li = document.createElement("li");
        li.id = search.id + "_opt" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = area.name;
        var small = document.createElement("small");
        small.textContent = area.full_name + " · " + area.code;
        li.appendChild(small);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      status.textContent = results.length ? "" : status.dataset.none;
      list.hidden = !results.length;
      search.setAttribute("aria-expanded", results.length ? "true" : "false");
      if (results.length) highlight(0);
    }

    function lookup() {
      var q = search.value.trim();
      if (q.length < 2) { results = []; close(); status.textContent = ""; return; }
      var params = new URLSearchParams({ q: q, limit: "15" });
      if (root.dataset.kind) params.set("kind", root.dataset.kind);
      if (root.dataset.parent) params.set("parent", root.dataset.parent);
      var mine = ++seq;
      fetch(root.dataset.api + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (data) { if (mine === seq) { results = data.results || []; render(); } })
        .catch(function () { if (mine === seq) { results = []; close(); status.textContent = status.dataset.failed; } });
    }

    search.addEventListener("input", function () {
      value.value = ""; // typed text no longer names the chosen area
      search.setCustomValidity(""); // a refusal of the text before this one would block the form's next submit
      clearTimeout(timer);
      timer = setTimeout(lookup, 200);
    });
    search.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") { event.preventDefault(); if (open) highlight(active + 1); else lookup(); }
      else if (event.key === "ArrowUp") { if (open) { event.preventDefault(); highlight(active - 1); } }
      else if (event.key === "Enter") { if (open && active >= 0) { event.preventDefault(); choose(active); } }
      else if (event.key === "Escape") { if (open) { event.preventDefault(); close(); } }
      else if (event.key === "Tab") { if (open && active >= 0) choose(active); }
    });
    search.addEventListener("blur", function () { setTimeout(close, 100); });
    var form = search.form;
    if (form && search.required) {
      form.addEventListener("submit", function (event) {
        // A picker that sends its typed text (text_name) lets the server take a name typed and not chosen.
        var typed = search.name && search.value.trim();
        if (!value.value && !typed) { search.setCustomValidity(status.dataset.none); search.reportValidity(); event.preventDefault(); }
      });
    }
  }

  function initAll() { document.querySelectorAll(".area-picker").forEach(init); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
  window.phongdichAreaPickerInit = initAll; // for pages that add a picker later
})();
