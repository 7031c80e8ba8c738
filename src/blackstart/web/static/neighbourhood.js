// blackstart: the explorer's neighbourhood and cone views. The server lays the nodes out in
// columns by distance (web/neighbourhood.py) and lists them by site and kind; this draws
// them with Cytoscape.js, every node labelled, with zoom and fit buttons and keyboard
// navigation (arrow keys between nodes, Enter opens one, "/" finds).
(function () {
  "use strict";
  const B = window.Blackstart;
  const container = document.getElementById("graph");

  const said = document.getElementById("focused");
  if (!container || !container.hasAttribute("data-view") || !B) return;
  const t0 = performance.now();
  const data = JSON.parse(container.getAttribute("data-view"));
  const READABLE = 0.8; // below this zoom the 12 px labels fall under 10 px
  const MAX_FIT = 1.3; // a small view is not blown up beyond this
  const params = new URLSearchParams(location.search);

  function href(id) {
    const q = new URLSearchParams({ node: id });
    if (data.view === "cone") q.set("view", "cone");
    else { q.set("depth", String(data.depth)); q.set("direction", data.direction); }
    return "/explorer?" + q.toString();
  }

  function open(id) { location.assign(href(id)); }

  function side(d) {
    if (d === 0) return "the centre";
    return Math.abs(d) + " hop" + (Math.abs(d) > 1 ? "s" : "") +
      (d > 0 ? " upstream (" + data.center + " needs it)" : " downstream (it needs " + data.center + ")");
  }

  B.draw(container, Object.assign({}, data, { layout: "layered" }), function (node) {
    open(node.id());
  }).then(function (cy) {
    cy.style()
      .selector("node").style({ "min-zoomed-font-size": 0, "font-size": 12, "text-margin-x": 4,
                                "text-background-color": "#fbfcfd", "text-background-opacity": 0.85,
                                "text-background-padding": 1 })
      .selector("node[distance = 0]").style({ "border-width": 4, "border-color": "#000",
                                              "font-weight": "bold", "width": 22, "height": 22 })
      .selector("node.kbd").style({ "overlay-color": "#0b5cad", "overlay-opacity": 0.25,
                                    "overlay-padding": 6, "border-width": 3, "border-color": "#0b5cad" })
      .selector("edge.same").style({ "curve-style": "unbundled-bezier",
                                     "control-point-distances": 40, "control-point-weights": 0.5 })
      .update();
    cy.edges().forEach(function (e) {
      if (e.source().data("distance") === e.target().data("distance")) e.addClass("same");
    });
    const center = cy.getElementById(data.center);
    fit();
    if (cy.zoom() < READABLE) {
      // too many nodes to fit readably: start readable, at the centre's side of the view
      cy.zoom(READABLE);
      const p = center.renderedPosition();
      const w = container.clientWidth;
      const h = container.clientHeight;
      const anyLeft = cy.nodes().some(function (n) { return n.data("distance") < 0; });
      const anyRight = cy.nodes().some(function (n) { return n.data("distance") > 0; });
      const x = anyLeft && anyRight ? w / 2 : anyRight ? 60 : w - 160;
      cy.panBy({ x: x - p.x, y: h / 2 - p.y });
    }
    let current = null;

    function fit() {
      cy.fit(undefined, 24);
      if (cy.zoom() > MAX_FIT) cy.zoom({ level: MAX_FIT, renderedPosition: {
        x: container.clientWidth / 2, y: container.clientHeight / 2 } });
      if (cy.zoom() === MAX_FIT) cy.center();
    }

    function focusNode(node) {
      if (!node || node.empty()) return;
      cy.nodes(".kbd").removeClass("kbd");
      node.addClass("kbd");
      current = node;
      const bb = node.renderedBoundingBox({ includeLabels: true });
      if (bb.x1 < 0 || bb.y1 < 0 || bb.x2 > container.clientWidth || bb.y2 > container.clientHeight) {
        cy.center(node);
      }
      container.setAttribute("data-focused", node.id());
      said.textContent = node.id() + " — " + side(node.data("distance")) + ". Enter opens it.";
    }

    function step(dx, dy) {
      if (!current) return focusNode(center);
      const p = current.position();
      let best = null;
      let score = Infinity;
      cy.nodes().forEach(function (n) {
        if (n.same(current)) return;
        const q = n.position();
        const ax = q.x - p.x;
        const ay = q.y - p.y;
        const along = dx ? ax * dx : ay * dy; // distance in the asked direction
        const across = dx ? Math.abs(ay) : Math.abs(ax);
        if (along <= 0.5 || across > along * (dx ? 3 : 0.5) + 1) return;
        const s = along + 2 * across;
        if (s < score) { score = s; best = n; }
      });
      if (best) focusNode(best);
    }

    container.addEventListener("focus", function () { if (!current) focusNode(center); });
    container.addEventListener("keydown", function (evt) {
      const keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (keys[evt.key]) { evt.preventDefault(); step(keys[evt.key][0], keys[evt.key][1]); }
      else if (evt.key === "Home") { evt.preventDefault(); focusNode(center); }
      else if (evt.key === "Enter" && current) { evt.preventDefault(); open(current.id()); }
      else if (evt.key === "+" || evt.key === "=") zoomBy(1.25);
      else if (evt.key === "-") zoomBy(0.8);
    });

    function zoomBy(f) {
      cy.zoom({ level: cy.zoom() * f,
                renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } });
    }
    document.getElementById("zoom-in").addEventListener("click", function () { zoomBy(1.25); });
    document.getElementById("zoom-out").addEventListener("click", function () { zoomBy(0.8); });
    document.getElementById("fit").addEventListener("click", fit);
    window.explorerGraph = cy;
    window.explorerReady = { nodes: cy.nodes().length, edges: cy.edges().length,
                             ms: Math.round(performance.now() - t0),
                             sinceNavigation: Math.round(performance.now()), layout: "distance" };
    container.setAttribute("data-ready", "true");
    if (params.get("focus") === "graph") container.focus();
  }).catch(function (err) { said.textContent = String(err.message); });

  // depth and direction apply to a neighbourhood only
  const viewSel = document.getElementById("view");
  function syncControls() {
    const off = viewSel.value !== "neighbourhood";
    document.getElementById("depth").disabled = off;
    document.getElementById("direction").disabled = off;
  }
  if (viewSel) { viewSel.addEventListener("change", syncControls); syncControls(); }

  document.addEventListener("keydown", function (evt) {
    const t = evt.target;
    const typing = t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
    if (evt.key === "/" && !typing) { evt.preventDefault(); document.getElementById("q").focus(); }
  });
})();
