// blackstart: draw a /api/explorer payload with Cytoscape.js and the dagre layered layout.
// Shared by the explorer and the what-if pages. Everything is served by this server.
// Views of more than a few hundred nodes arrive with positions computed by the server
// (a layered layout of the same kind, web/layout.py): dagre would take minutes there.
(function () {
  "use strict";
  if (window.cytoscape && window.cytoscapeDagre) {
    cytoscape.use(cytoscapeDagre);
  }

  async function getJSON(url, options) {
    const response = await fetch(url, options);
    const body = await response.json();
    if (!response.ok) {
      throw new Error(body.error + (body.suggestion ? " (" + body.suggestion + ")" : ""));
    }
    return body;
  }

  const STYLE = [
    { selector: "node", style: {
        "label": "data(label)", "font-size": 10, "min-zoomed-font-size": 7,
        "text-valign": "center", "text-halign": "right", "text-margin-x": 3,
        "width": 14, "height": 14, "background-color": "#6c7a89", "border-width": 0 } },
    { selector: "node[kind = 'function']", style: { "shape": "round-rectangle", "width": 18,
        "background-color": "#44617b" } },
    { selector: "node[tier = 'vital']", style: { "background-color": "#b3261e" } },
    { selector: "node[tier = 'care']", style: { "background-color": "#b26a00" } },
    { selector: "node[kind = 'site']", style: { "shape": "hexagon", "background-color": "#2f6f4f" } },
    { selector: "node[kind = 'provider']", style: { "shape": "diamond", "background-color": "#5a3fa0" } },
    { selector: "node[kind = 'group']", style: { "shape": "round-rectangle", "width": 26, "height": 20,
        "background-color": "#d9e6f2", "border-width": 1, "border-color": "#0b5cad",
        "label": "data(caption)" } },
    { selector: "node[kind = 'group'][?expanded]", style: { "background-opacity": 0.15,
        "text-valign": "top", "text-halign": "center" } },
    { selector: "edge", style: { "width": 1, "line-color": "#b8c0c8", "curve-style": "straight",
        "target-arrow-shape": "triangle", "target-arrow-color": "#b8c0c8", "arrow-scale": 0.6 } },
    { selector: "edge[via = 'any_of']", style: { "line-style": "dashed" } },
    { selector: "edge[via = 'at_least']", style: { "line-style": "dotted" } },
    { selector: ".faded", style: { "opacity": 0.15 } },
    { selector: "edge.quiet", style: { "display": "none" } },
    { selector: "node.cone", style: { "border-width": 3, "border-color": "#e0a100" } },
    { selector: "edge.cone", style: { "line-color": "#e0a100", "target-arrow-color": "#e0a100", "width": 2 } },
    { selector: "node.requires", style: { "border-width": 3, "border-color": "#0b5cad" } },
    { selector: "node.required-by", style: { "border-width": 3, "border-color": "#1e7a3c" } },
    { selector: "node.chosen", style: { "border-width": 4, "border-color": "#000" } },
    { selector: "node.failed", style: { "background-color": "#000", "border-width": 3,
        "border-color": "#b3261e" } },
    { selector: "node.down", style: { "background-color": "#fbe0de", "border-width": 2,
        "border-color": "#b3261e", "color": "#b3261e" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#0b5cad" } },
  ];

  // Beyond this many nodes, edges are drawn only around what is selected or highlighted
  // (or all of them on request): they halve the first paint and are a hairball anyway.
  const QUIET_EDGES = 1000;

  function elements(data) {
    const quiet = data.nodes.length > QUIET_EDGES ? "quiet" : "";
    const out = [];
    for (const n of data.nodes) {
      const d = Object.assign({}, n);
      if (n.kind === "group") d.caption = n.label + " (" + n.members + ")";
      const ele = { group: "nodes", data: d };
      if (n.position) ele.position = n.position;
      out.push(ele);
    }
    for (const e of data.edges) out.push({ group: "edges", data: e, classes: quiet });
    return out;
  }

  // Draw ``data`` in ``container``; resolves with the Cytoscape instance once laid out.
  function draw(container, data, onTap) {
    const big = data.nodes.length > 400;
    return new Promise(function (resolve) {
      const cy = cytoscape({
        container: container,
        elements: elements(data),
        style: STYLE,
        // small views: dagre here; big ones come with the server's layered positions
        layout: data.layout === "layered"
          ? { name: "preset", fit: true, padding: 10 }
          : { name: "dagre", rankDir: "LR", nodeSep: 4, rankSep: 150, edgeSep: 2,
              animate: false, fit: true, padding: 10 },
        minZoom: 0.02, maxZoom: 4,
        textureOnViewport: big, hideEdgesOnViewport: big, pixelRatio: 1,
      });
      cy.data = data;
      // member → the element drawn for it (itself, or its collapsed aggregate)
      cy.shownAs = function (id) {
        if (cy.getElementById(id).nonempty()) return id;
        for (const g in data.groups) {
          if (data.groups[g].indexOf(id) >= 0) return g;
        }
        return null;
      };
      if (onTap) cy.on("tap", "node", function (evt) { onTap(evt.target, cy); });
      cy.ready(function () { resolve(cy); });
    });
  }

  function highlight(cy, ids, cls) {
    cy.batch(function () {
      cy.elements().removeClass("cone requires required-by chosen faded");
      if (!ids) return;
      const keep = cy.collection();
      for (const id of ids) {
        const shown = cy.shownAs(id);
        if (shown) keep.merge(cy.getElementById(shown));
      }
      keep.addClass(cls);
      const edges = keep.edgesWith(keep);
      edges.addClass(cls).removeClass("quiet");
      cy.elements().not(keep).not(edges).not(keep.ancestors()).addClass("faded");
      if (cls === "cone" && keep.nonempty()) cy.fit(keep, 30);
    });
  }

  // Show all edges (``on``) or, for big graphs, only those around highlighted nodes.
  function allEdges(cy, on) {
    const big = cy.nodes().length > QUIET_EDGES;
    cy.batch(function () {
      if (on || !big) cy.edges().removeClass("quiet");
      else cy.edges().not(".cone").addClass("quiet");
    });
  }

  window.Blackstart = { getJSON: getJSON, draw: draw, highlight: highlight, allEdges: allEdges,
                        QUIET_EDGES: QUIET_EDGES };
})();
