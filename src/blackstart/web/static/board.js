// Incident board: reload when another operator changed the incident (polls the cheap
// version endpoint every 10 s), unless this operator is typing in a form. Served by the
// package; no external request.
(function () {
  var el = document.getElementById("board");
  if (!el) return;
  var url = "/api/incidents/" + el.dataset.incident + "/version";
  var seen = el.dataset.version;
  function typing() {
    var a = document.activeElement;
    return a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA" || a.tagName === "SELECT") && a.value;
  }
  // a warning or an error shown inline after a post: keep the board's own address (so a
  // reload never posts again) and do not reload it away while the operator reads it
  var notice = document.getElementById("notice");
  if (notice) { history.replaceState(null, "", "/incidents/" + el.dataset.incident); }
  // the announce form is prefilled with the chosen tier's current P80
  var tier = document.getElementById("announce-tier"), eta = document.getElementById("announce-eta");
  if (tier && eta) {
    tier.addEventListener("change", function () {
      var p80 = tier.options[tier.selectedIndex].dataset.p80;
      if (p80) { eta.value = p80; }
    });
  }
  setInterval(function () {
    if (notice) return;
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (d && String(d.version) !== seen && !typing()) { window.location.reload(); }
      }).catch(function () {});
  }, 10000);
})();
