// blackstart: the dependency explorer page (search, details, dependency cone, aggregates).
(function () {
  "use strict";
  const B = window.Blackstart;
  const container = document.getElementById("graph");
  const status = document.getElementById("status");
  const details = document.getElementById("details");
  const hits = document.getElementById("hits");
  const collapse = document.getElementById("collapse");
  const layout = document.getElementById("layout");
  let cy = null;
  let expand = [];

  function el(tag, text, attrs) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }

  function nodeLink(id) {
    const a = el("a", id, { href: "#", "data-node": id });
    a.addEventListener("click", function (evt) { evt.preventDefault(); select(id); });
    return a;
  }

  function list(title, items, render) {
    details.appendChild(el("h3", title + " (" + items.length + ")"));
    const ul = el("ul", null, { class: "node-list" });
    for (const it of items) { const li = el("li"); li.appendChild(render(it)); ul.appendChild(li); }
    details.appendChild(ul);
  }

  async function load(focus) {
    const params = new URLSearchParams({ collapse: collapse.value, layout: layout.value });
    for (const g of expand) params.append("expand", g);
    status.textContent = "loading…";
    const t0 = performance.now();
    const data = await B.getJSON("/api/explorer?" + params.toString());
    if (cy) cy.destroy();
    cy = await B.draw(container, data, function (node) { select(node.id()); });
    if (document.getElementById("all-edges").checked) B.allEdges(cy, true);
    // drawn = the first frame after the layout has been painted
    await new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(r); }); });
    const ms = Math.round(performance.now() - t0);
    status.textContent = data.visible_nodes + " of " + data.total_nodes + " nodes shown" +
      (data.collapse === "none" ? "" : " (collapsed by " + data.collapse + ")") +
      ", " + data.layout + " layout" +
      " · drawn in " + ms + " ms";
    window.explorerReady = { nodes: data.visible_nodes, edges: data.edges.length, ms: ms,
                             sinceNavigation: Math.round(performance.now()), layout: data.layout };
    window.explorerGraph = cy;
    container.setAttribute("data-ready", "true");
    if (focus) await select(focus);
  }

  function shownEle(id) {
    const s = cy.shownAs(id);
    return s ? cy.getElementById(s) : cy.collection();
  }

  async function showGroup(id) {
    const members = cy.data.groups[id] || [];
    details.replaceChildren(el("h2", id), el("p", members.length + " members, collapsed"));
    const button = el("button", "Expand", { type: "button", id: "expand" });
    button.addEventListener("click", function () { expand.push(id); load(); });
    details.appendChild(button);
    list("members", members.slice(0, 200), nodeLink);
    B.highlight(cy, [id], "chosen");
  }

  async function select(id) {
    const shown = cy.shownAs(id);
    if (shown === null) return;
    if (shown !== id && shown.startsWith("group:")) {
      // the node is inside a collapsed aggregate: open it, then select the node
      expand.push(shown);
      return load(id);
    }
    if (id.startsWith("group:")) return showGroup(id);
    const node = await B.getJSON("/api/explorer/node?id=" + encodeURIComponent(id));
    cy.$(":selected").unselect();
    const ele = cy.getElementById(id);
    ele.select();
    cy.animate({ center: { eles: ele }, zoom: Math.max(cy.zoom(), 0.8) }, { duration: 200 });
    details.replaceChildren(el("h2", node.id, { id: "selected" }));
    const meta = [node.kind];
    if (node.tier) meta.push(node.tier);
    if (node.component_kind) meta.push(node.component_kind);
    if (node.site) meta.push("at " + node.site);
    details.appendChild(el("p", meta.join(" · "), { class: "muted" }));
    const cone = el("button", "Highlight dependency cone (" + node.cone.length + ")",
                    { type: "button", id: "cone" });
    cone.addEventListener("click", function () {
      B.highlight(cy, [node.id].concat(node.cone), "cone");
      status.textContent = node.id + " depends on " + node.cone.length + " elements";
    });
    details.appendChild(cone);
    list("requires", node.requires, function (r) {
      const span = el("span");
      span.appendChild(nodeLink(r.id));
      if (r.via !== "all_of") span.appendChild(el("span", " (" + r.via.replace("_", " ") + ")", { class: "muted" }));
      return span;
    });
    list("required by", node.required_by, nodeLink);
    cy.batch(function () {
      cy.elements().removeClass("cone requires required-by chosen faded");
      B.allEdges(cy, document.getElementById("all-edges").checked);
      shownEle(node.id).connectedEdges().removeClass("quiet");
      for (const r of node.requires) {
        const s = cy.shownAs(r.id); if (s) cy.getElementById(s).addClass("requires");
      }
      for (const r of node.required_by) {
        const s = cy.shownAs(r); if (s) cy.getElementById(s).addClass("required-by");
      }
    });
  }

  document.getElementById("explorer-search").addEventListener("submit", async function (evt) {
    evt.preventDefault();
    const q = document.getElementById("q").value.trim();
    hits.replaceChildren();
    if (!q) return;
    try {
      const found = await B.getJSON("/api/explorer/search?q=" + encodeURIComponent(q));
      if (!found.length) { hits.appendChild(el("li", "no node named like '" + q + "'")); return; }
      for (const f of found) { const li = el("li"); li.appendChild(nodeLink(f.id)); hits.appendChild(li); }
      await select(found[0].id);
    } catch (err) { hits.appendChild(el("li", String(err.message), { class: "error" })); }
  });
  collapse.addEventListener("change", function () { expand = []; load(); });
  layout.addEventListener("change", function () { load(); });
  document.getElementById("all-edges").addEventListener("change", function (evt) {
    if (cy) B.allEdges(cy, evt.target.checked);
  });
  document.getElementById("clear").addEventListener("click", function () {
    if (cy) B.highlight(cy, null); hits.replaceChildren();
  });
  function zoomBy(f) {
    if (!cy) return;
    cy.zoom({ level: cy.zoom() * f,
              renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } });
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoomBy(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomBy(0.8); });
  document.getElementById("fit").addEventListener("click", function () { if (cy) cy.fit(undefined, 10); });
  const initial = new URLSearchParams(location.search);
  if (initial.get("collapse")) collapse.value = initial.get("collapse");
  if (initial.get("layout")) layout.value = initial.get("layout");
  load(initial.get("node")).catch(function (err) { status.textContent = String(err.message); });
})();
