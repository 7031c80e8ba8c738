// Swagger UI on /openapi.json, entirely from this server: no validator badge (it would
// call another host), no remote configuration.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    // no anchors inside the operations' buttons (nested controls fail WCAG 4.1.2)
    deepLinking: false,
    tryItOutEnabled: false,
  });
});
// the skip link: Swagger UI listens to the address's fragment, so move focus by hand
document.addEventListener("click", function (evt) {
  if (evt.target.classList && evt.target.classList.contains("skip-link")) {
    evt.preventDefault();
    document.getElementById("content").focus();
  }
});
