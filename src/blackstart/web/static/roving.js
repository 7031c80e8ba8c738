// Incident board: the task tables' hundreds of mark buttons take one stop in the Tab
// order per table (a roving tabindex, WAI-ARIA Authoring Practices' grid pattern): Tab
// reaches the table's current button, the arrow keys move between rows (Up/Down, same
// mark when the row offers it) and between a row's buttons (Left/Right), Home/End go to
// the first/last row. Without JavaScript every button stays in the Tab order.
(function () {
  "use strict";
  function rowsOf(table) {
    return Array.from(table.tBodies).flatMap(function (tb) { return Array.from(tb.rows); })
      .map(function (tr) { return Array.from(tr.querySelectorAll("form.marks button, button.undo")); })
      .filter(function (bs) { return bs.length; });
  }

  function rove(table) {
    const rows = rowsOf(table);
    if (!rows.length) return;
    const all = rows.flat();
    function current(b) {
      for (const x of all) x.tabIndex = x === b ? 0 : -1;
    }
    function move(b) { current(b); b.focus(); }
    current(all[0]);
    rows.forEach(function (buttons, r) {
      buttons.forEach(function (b, c) {
        b.addEventListener("focus", function () { current(b); });
        b.addEventListener("keydown", function (evt) {
          let to = null;
          if (evt.key === "ArrowDown" || evt.key === "ArrowUp") {
            const next = rows[r + (evt.key === "ArrowDown" ? 1 : -1)];
            if (next) {
              to = next.find(function (x) { return x.value && x.value === b.value; }) ||
                next[Math.min(c, next.length - 1)];
            }
          } else if (evt.key === "ArrowRight") to = buttons[c + 1] || null;
          else if (evt.key === "ArrowLeft") to = buttons[c - 1] || null;
          else if (evt.key === "Home") to = rows[0][0];
          else if (evt.key === "End") to = rows[rows.length - 1][0];
          if (to) { evt.preventDefault(); move(to); }
        });
      });
    });
    const hint = document.createElement("p");
    hint.className = "muted roving-hint";
    hint.textContent = "Keyboard: Tab reaches this table's mark buttons once; arrow keys move between tasks and marks.";
    table.parentNode.insertBefore(hint, table);
  }

  for (const table of document.querySelectorAll("table")) {
    if (table.querySelector("form.marks button")) rove(table);
  }
})();
