"use strict";
// Starts ReDoc on /redoc from ATTN's own copy of it. ReDoc styles itself with <style>
// elements it writes at run time; the page's Content-Security-Policy allows only those that
// carry the response's nonce, which this script's tag carries (read from the property: the
// browser hides nonce attributes from getAttribute).
//
// ReDoc's sidebar also shows Redocly's logo from their CDN, and hides it when it does not
// load: it gets an empty source here instead, so that it fails at once and no request
// leaves for the internet (the policy would block it anyway, with an error on the console).
(function () {
  const LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg";
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    get: src.get,
    set(value) { src.set.call(this, value === LOGO ? "" : value); },
    configurable: true,
    enumerable: src.enumerable,
  });
  const root = document.getElementById("redoc");
  Redoc.init(root.dataset.specUrl, { nonce: document.currentScript.nonce }, root);
})();
