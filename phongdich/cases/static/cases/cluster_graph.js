// The transmission graph of a cluster (cases/cluster.html): elements from the scoped JSON endpoint, drawn by
// Cytoscape.js. The instance is kept on window.clusterGraph so that tests (and curious officials) can read it.
(function () {
  "use strict";
  var box = document.getElementById("cluster-graph");
  if (!box || typeof cytoscape !== "function") { return; }
  var summary = document.getElementById("cluster-graph-summary");
  var colours = { 0: "#a4161a", 1: "#e8590c", 2: "#d4a106", 3: "#5c7cfa" };
  function colour(ele) { return colours[ele.data("level")] || "#868e96"; }

  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    })
    .then(function (graph) {
      if (!graph.nodes.length) {
        box.textContent = box.dataset.empty;
        box.dataset.ready = "true";
        return;
      }
      var cy = cytoscape({
        container: box,
        elements: { nodes: graph.nodes, edges: graph.edges },
        wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: { "background-color": colour, label: "data(label)", "font-size": 11,
            "text-valign": "bottom", "text-margin-y": 3, width: 22, height: 22 } },
          { selector: "node[kind = 'case']", style: { shape: "round-rectangle", width: 34, height: 34, "font-weight": "bold" } },
          { selector: "node[kind = 'case'][?in_cluster]", style: { "border-width": 3, "border-color": "#212529" } },
          // A level too large to draw person by person: one node per case, its size growing with the count.
          { selector: "node[kind = 'summary']", style: { shape: "ellipse", "border-width": 2, "border-style": "dashed",
            "border-color": "#495057", width: "mapData(count, 1, 20000, 30, 70)", height: "mapData(count, 1, 20000, 30, 70)" } },
          { selector: "edge", style: { width: 1.5, "line-color": colour, "target-arrow-color": colour,
            "target-arrow-shape": "triangle", "curve-style": "bezier", opacity: 0.8 } },
          { selector: "edge[kind = 'infected_by']", style: { width: 4, "line-color": "#a4161a", "target-arrow-color": "#a4161a" } }
        ],
        // A force-directed layout (built into Cytoscape.js): chains and each case's contacts fan out.
        layout: { name: "cose", animate: false, padding: 30, nodeRepulsion: 9000, idealEdgeLength: 70, randomize: false }
      });
      cy.on("tap", "node", function (event) {
        var url = event.target.data("url");
        if (url) { window.location.href = url; }
      });
      window.clusterGraph = cy;
      box.dataset.ready = "true";
      box.dataset.nodes = String(cy.nodes().length);
      box.dataset.edges = String(cy.edges().length);
      if (summary) {
        var cases = cy.nodes("[kind = 'case']").length;
        summary.textContent = cases + " F0 · " + graph.contacts.toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "vi-VN") + " F1/F2 · " + cy.edges().length + " →";
      }
    })
    .catch(function () {
      box.textContent = "⚠";
      box.dataset.ready = "error";
    });
})();
