// blackstart: the what-if page's graph. Clicking a site, provider or component toggles it
// in the lists of the form (an aggregate of a site toggles the site); after a run, what
// failed is black and what went down is red.
(function () {
  "use strict";
  // after a run, the result is what the person wants: bring it into view, move focus
  // to it and say it (the form posts to /what-if#result, which scrolls without script)
  const result = document.getElementById("result");
  if (result) {
    result.scrollIntoView({ block: "start" });
    result.focus({ preventScroll: true });
    const live = document.getElementById("result-live");
    if (live) live.textContent = live.getAttribute("data-text");
  }
  const B = window.Blackstart;
  const container = document.getElementById("whatif-graph");
  const status = document.getElementById("graph-status");
  if (!container || !B) return;
  const FAILABLE = ["site", "provider", "component"];

  function optionFor(ref) {
    for (const opt of document.querySelectorAll("select[name=fail] option")) {
      if (opt.value === ref) return opt;
    }
    return null;
  }

  function refOf(node) {
    const id = node.id();
    if (id.startsWith("group:site:")) return "site:" + id.slice("group:site:".length);
    const kind = id.split(":")[0];
    return FAILABLE.indexOf(kind) >= 0 ? id : null;
  }

  function shownOf(cy, ref) {
    const s = cy.shownAs(ref);
    if (s) return cy.getElementById(s);
    if (ref.startsWith("site:")) return cy.getElementById("group:" + ref);
    return cy.collection();
  }

  function mark(cy) {
    cy.batch(function () {
      cy.nodes().removeClass("chosen");
      for (const opt of document.querySelectorAll("select[name=fail] option:checked")) {
        shownOf(cy, opt.value).addClass("chosen");
      }
    });
    const n = document.querySelectorAll("select[name=fail] option:checked").length;
    status.textContent = n + " element(s) chosen to fail";
  }

  B.getJSON("/api/explorer?collapse=auto").then(function (data) {
    return B.draw(container, data, function (node, cy) {
      const ref = refOf(node);
      if (!ref) { status.textContent = node.id() + " cannot fail by itself: pick what it needs"; return; }
      const opt = optionFor(ref);
      if (!opt) return;
      opt.selected = !opt.selected;
      mark(cy);
    });
  }).then(function (cy) {
    const down = JSON.parse(container.getAttribute("data-down") || "[]");
    const failed = JSON.parse(container.getAttribute("data-failed") || "[]");
    cy.batch(function () {
      for (const id of down) shownOf(cy, id).addClass("down");
      for (const id of failed) shownOf(cy, id).addClass("failed");
    });
    for (const sel of document.querySelectorAll("select[name=fail]")) {
      sel.addEventListener("change", function () { mark(cy); });
    }
    mark(cy);
    window.whatIfGraph = cy;
    container.setAttribute("data-ready", "true");
  }).catch(function (err) { status.textContent = String(err.message); });
})();
