"use strict";
// The device id of this browser (kept in local storage, the same one the check-in page
// sends), put into the login form so "remember this phone" is bound to this device.
(function () {
  const key = "attn.device_id";
  let id = null;
  try { id = window.localStorage.getItem(key); } catch (e) { id = null; }
  if (!id || !/^[A-Za-z0-9._:-]{8,128}$/.test(id)) {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    id = "web-" + Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    try { window.localStorage.setItem(key, id); } catch (e) { /* private mode: per visit */ }
  }
  const field = document.getElementById("device_id");
  if (field) { field.value = id; }
})();
