"use strict";
// Starts Swagger UI on /docs from ATTN's own copy of it (no CDN, no inline script: the page's
// Content-Security-Policy allows scripts from ATTN only). validatorUrl null: Swagger UI would
// otherwise load a badge from validator.swagger.io, sending it the spec's address.
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
