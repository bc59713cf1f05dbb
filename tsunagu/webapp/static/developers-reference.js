/*
 * The interactive API reference: Swagger UI (npm swagger-ui-dist, served from static/vendor/)
 * rendered from the app's own /api/openapi.json. A static file, not an inline script, so the
 * page keeps its strict Content-Security-Policy; the online validator badge is switched off
 * (it would call validator.swagger.io).
 */
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") { return; }
  window.tsunaguReference = window.SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    domNode: node,
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: false,
    defaultModelsExpandDepth: 0,
    onComplete: function () { node.setAttribute("data-loaded", "true"); }
  });
})();
