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
  setInterval(function () {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (d && String(d.version) !== seen && !typing()) { window.location.reload(); }
      }).catch(function () {});
  }, 10000);
})();
