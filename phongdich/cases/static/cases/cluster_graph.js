// The transmission graph of a cluster (cases/cluster.html): elements from the scoped JSON endpoint, drawn by
// Cytoscape.js. The instance is kept on window.clusterGraph so that tests (and curious officials) can read it.
//
// Layout: computed here (balloonPositions) and handed to Cytoscape's "preset" layout. It is instant, where the
// force-directed layout ("cose") took seconds for a few hundred nodes and drew them as a ball of wool.
(function () {
  "use strict";
  var box = document.getElementById("cluster-graph");
  if (!box || typeof cytoscape !== "function") { return; }
  var summary = document.getElementById("cluster-graph-summary");
  var info = document.getElementById("cluster-graph-info");
  var showF2 = document.getElementById("cluster-graph-f2");
  var fitButton = document.getElementById("cluster-graph-fit");
  // The colours of the legend, given by the page (views.CLUSTER_GRAPH_COLOURS through json_script): one source.
  var colours = JSON.parse(document.getElementById("cluster-graph-colours").textContent);
  function colour(ele) { return colours.levels[ele.data("level")] || colours.level_other; }
  // Past this many nodes the F2 start hidden: the cases and their F1 first, readable; the box shows them.
  var F2_SHOWN_UP_TO = 150;

  // The nodes in the order of a breadth-first walk from the cases (those nobody infected first), then any left.
  function walkOrder(graph) {
    var byId = {}, next = {}, order = [], seen = {};
    graph.nodes.forEach(function (node) { byId[node.data.id] = node; next[node.data.id] = []; });
    var infected = {};
    graph.edges.forEach(function (edge) {
      next[edge.data.source].push(edge.data.target);
      if (edge.data.kind === "infected_by") { infected[edge.data.target] = true; }
    });
    var cases = graph.nodes.filter(function (node) { return node.data.kind === "case"; });
    var queue = cases.filter(function (node) { return !infected[node.data.id]; })
      .concat(cases.filter(function (node) { return infected[node.data.id]; }))
      .map(function (node) { return node.data.id; });
    while (queue.length) {
      var id = queue.shift();
      if (seen[id]) { continue; }
      seen[id] = true;
      order.push(byId[id]);
      next[id].forEach(function (target) { if (!seen[target]) { queue.push(target); } });
    }
    graph.nodes.forEach(function (node) { if (!seen[node.data.id]) { order.push(node); } });
    return order;
  }

  // The elements on screen, from their data: a class just changed is not in the computed style (":visible")
  // until Cytoscape next draws.
  function onScreen(cy) {
    var hidden = cy.nodes(".f2-hidden");
    return cy.elements().not(hidden).not(hidden.connectedEdges());
  }

  // A "balloon" tree: the cases around the middle, each case's F1 in a ring around it, each F1's F2 in a smaller
  // ring around that F1 (on the side away from the case), every ring wide enough for what hangs from it: nobody
  // overlaps and every link is short, however many people. A person linked twice is drawn beside the first.
  var SLOT = 46;  // a node, its label's width and a gap
  function balloonPositions(shown) {
    var nodes = shown.nodes(), edges = shown.edges(), onScreen = {}, children = { "": [] }, placed = {};
    nodes.forEach(function (node) { onScreen[node.id()] = true; children[node.id()] = []; });
    var out = {};
    edges.forEach(function (edge) {
      if (edge.data("kind") === "infected_by") { return; }
      (out[edge.data("source")] = out[edge.data("source")] || []).push(edge.data("target"));
    });
    var queue = [];
    nodes.forEach(function (node) {  // the cases first, in the walk's order (walkOrder)
      if (node.data("kind") === "case") { children[""].push(node.id()); placed[node.id()] = true; queue.push(node.id()); }
    });
    for (var i = 0; i < queue.length; i++) {
      (out[queue[i]] || []).forEach(function (target) {
        if (onScreen[target] && !placed[target]) { placed[target] = true; children[queue[i]].push(target); queue.push(target); }
      });
    }
    nodes.forEach(function (node) { if (!placed[node.id()]) { children[""].push(node.id()); } });
    var size = {}, ring = {};
    function measure(id, arc) {  // the radius of the disc the node and all below it take
      var kids = children[id], total = 0, widest = 0;
      kids.forEach(function (kid) { var r = measure(kid, 5 * Math.PI / 3); total += 2 * r; widest = Math.max(widest, r); });
      if (!kids.length) { return (size[id] = SLOT / 2); }
      ring[id] = id === "" && kids.length === 1 ? 0 : Math.max(SLOT, 1.15 * total / arc, widest + SLOT / 2);
      return (size[id] = ring[id] + widest);
    }
    measure("", 2 * Math.PI);
    var positions = {};
    function place(id, x, y, towards, arc) {
      positions[id] = { x: x, y: y };
      var kids = children[id], total = 0;
      kids.forEach(function (kid) { total += size[kid]; });
      var angle = towards - arc / 2;
      kids.forEach(function (kid) {
        var a = angle + (arc * size[kid]) / (2 * total);
        angle += (arc * size[kid]) / total;
        place(kid, x + ring[id] * Math.cos(a), y + ring[id] * Math.sin(a), a, 5 * Math.PI / 3);
      });
    }
    place("", 0, 0, -Math.PI / 2, 2 * Math.PI);
    return positions;
  }

  // The whole graph in the frame, but no bigger than life for a small one.
  function fit(cy) {
    var shown = onScreen(cy);
    cy.fit(shown, 24);
    if (cy.zoom() > 1.2) {
      cy.zoom(1.2);
      cy.center(shown);
    }
  }

  function layout(cy) {
    var shown = onScreen(cy), positions = balloonPositions(shown);
    shown.nodes().layout({ name: "preset", positions: function (node) { return positions[node.id()]; }, fit: false,
      animate: false }).run();
    fit(cy);
    box.dataset.shown = String(shown.nodes().length);
  }

  function describe(node) {
    if (!info) { return; }
    var said = node.data("name") ? node.data("label").split(" ")[0] + " " + node.data("name") : node.data("label");
    if (node.data("kind") === "case" && !node.data("in_cluster")) { said += " · " + info.dataset.outside; }
    info.textContent = said;
  }

  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    })
    .then(function (graph) {
      if (summary) { summary.textContent = graph.caption || ""; }
      if (!graph.nodes.length) {
        box.textContent = box.dataset.empty;
        box.dataset.ready = "true";
        return;
      }
      var label = { label: "data(label)", "font-size": 12, "text-valign": "bottom", "text-margin-y": 3,
        "text-background-color": "#fff", "text-background-opacity": 0.75, "text-background-padding": 1,
        // Too small to read once zoomed out: hidden rather than a grey smear; zooming in brings them back.
        "min-zoomed-font-size": 7 };
      var cy = cytoscape({
        container: box,
        elements: { nodes: walkOrder(graph), edges: graph.edges },
        minZoom: 0.05,
        maxZoom: 3,
        style: [
          { selector: "node", style: Object.assign({ "background-color": colour, width: 22, height: 22 }, label) },
          { selector: "node[kind = 'case']", style: { shape: "round-rectangle", width: 36, height: 36,
            "font-weight": "bold", "font-size": 13, "min-zoomed-font-size": 4 } },
          { selector: "node[kind = 'case'][?in_cluster]", style: { "border-width": 3, "border-color": colours.case_border } },
          { selector: "node[kind = 'case'][!in_cluster]", style: { "background-color": colours.case_outside,
            "border-width": 2, "border-style": "dashed", "border-color": colours.case_outside_border } },
          // A level too large to draw person by person: one node per case, its size growing with the count.
          { selector: "node[kind = 'summary']", style: { shape: "ellipse", "border-width": 2, "border-style": "dashed",
            "border-color": colours.case_outside_border, width: "mapData(count, 1, 20000, 30, 70)", height: "mapData(count, 1, 20000, 30, 70)" } },
          { selector: "edge", style: { width: 1.5, "line-color": colour, "target-arrow-color": colour,
            "target-arrow-shape": "triangle", "curve-style": "bezier", opacity: 0.7 } },
          { selector: "edge[kind = 'infected_by']", style: { width: 4, "line-color": colours.infected_by,
            "target-arrow-color": colours.infected_by, opacity: 1 } },
          { selector: ".f2-hidden", style: { display: "none" } }
        ]
      });
      function applyF2() {
        cy.nodes("[level >= 2]").toggleClass("f2-hidden", !showF2.checked);
        layout(cy);
      }
      if (showF2) {
        showF2.checked = graph.nodes.length <= F2_SHOWN_UP_TO;
        showF2.addEventListener("change", applyF2);
      }
      if (fitButton) { fitButton.addEventListener("click", function () { fit(cy); }); }
      cy.on("tap", "node", function (event) {
        var url = event.target.data("url");
        if (url) { window.location.href = url; }
      });
      // Cytoscape has no cursor style: the box's own cursor says which nodes open a page.
      cy.on("mouseover", "node", function (event) {
        describe(event.target);
        box.style.cursor = event.target.data("url") ? "pointer" : "";
      });
      cy.on("mouseout", "node", function () {
        if (info) { info.textContent = ""; }
        box.style.cursor = "";
      });
      if (showF2) { applyF2(); } else { layout(cy); }
      window.clusterGraph = cy;
      box.dataset.ready = "true";
      box.dataset.nodes = String(cy.nodes().length);
      box.dataset.edges = String(cy.edges().length);
    })
    .catch(function () {
      box.textContent = "⚠";
      box.dataset.ready = "error";
    });
})();
