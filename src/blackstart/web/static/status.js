// Public status page: reload every 60 s to show the latest state, but never while the
// reader has scrolled down or the tab is hidden (WCAG 2.2.1: no refresh that pulls the
// page away from the reader). Served by the package; no external request.
(function () {
  setInterval(function () {
    if (document.visibilityState === "visible" && window.scrollY === 0) {
      window.location.reload();
    }
  }, 60000);
})();
