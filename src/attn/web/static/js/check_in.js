"use strict";
(function () {
  const root = document.getElementById("checkin");
  const cfg = root.dataset;
  const api = "/api/v1";
  const checkInUrl = api + "/attendances/" + encodeURIComponent(cfg.attendanceId) + "/check-in";
  const statusBox = document.getElementById("status");
  const reasons = {
    code_invalid: "the code is wrong or has expired; type the code on the screen now",
    network_mismatch: "you are not on the classroom network",
    device_reused: "this device was already used to check in another student",
    face_mismatch: "the photo did not match you",
    verification_unavailable: "face verification is not available right now; try again",
    verification_timeout: "face verification did not answer in time",
    teacher_rejected: "your teacher rejected this check-in"
  };

  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.dataset.kind = kind || "";
  }

  function deviceId() {
    const key = "attn.device_id";
    let id = null;
    try { id = window.localStorage.getItem(key); } catch (e) { id = null; }
    if (!id || !/^[A-Za-z0-9._:-]{8,128}$/.test(id)) {
      const bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      id = "web-" + Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
      try { window.localStorage.setItem(key, id); } catch (e) { /* private mode: per visit */ }
    }
    return id;
  }

  function cookie(name) {
    const found = document.cookie.split("; ").find(function (c) { return c.startsWith(name + "="); });
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      return body.error.message;
    } catch (e) {
      return "the server answered " + response.status;
    }
  }

  function show(section) {
    document.getElementById("login").hidden = section !== "login";
    document.getElementById("check-in").hidden = section !== "check-in";
  }

  function showRecord(record) {
    if (record.status === "present" || record.status === "late") {
      say("You are checked in (" + record.status + ").", "ok");
    } else if (record.status === "pending") {
      say("Your photo is being verified. This page updates by itself.", "wait");
      window.setTimeout(refresh, 3000);
    } else if (record.status === "rejected") {
      const why = reasons[record.fail_reason] || record.fail_reason || "a check failed";
      const again = record.decided_by === "self" ? " You can try again." : "";
      say("Check-in refused: " + why + "." + again, "bad");
    } else {
      say("Your teacher marked you " + record.status + ".", "ok");
    }
  }

  async function refresh() {
    const response = await fetch(api + "/attendances/" + encodeURIComponent(cfg.attendanceId) + "/records/me",
                                 { credentials: "same-origin" });
    if (response.ok) { showRecord(await response.json()); }
  }

  async function start() {
    const code = new URLSearchParams(window.location.search).get("code");
    const codeInput = document.getElementById("code");
    if (code && codeInput) { codeInput.value = code; }
    let me = await fetch(api + "/auth/me", { credentials: "same-origin" });
    if (!me.ok && await resume()) {
      me = await fetch(api + "/auth/me", { credentials: "same-origin" });
    }
    if (me.ok) {
      const body = await me.json();
      document.getElementById("who").textContent = "Logged in as " + body.full_name +
        " (" + body.user_number + ")";
      show("check-in");
    } else {
      show("login");
    }
  }

  async function resume() {
    // A remembered phone opens a new session without the password (its HttpOnly cookie).
    const headers = {};
    headers[cfg.deviceHeader] = deviceId();
    const response = await fetch(api + "/auth/resume", {
      method: "POST", credentials: "same-origin", headers: headers
    });
    return response.ok;
  }

  document.getElementById("login-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    const headers = { "Content-Type": "application/json" };
    headers[cfg.deviceHeader] = deviceId();
    const response = await fetch(api + "/auth/login", {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify({ user_number: form.user_number.value, password: form.password.value,
                             remember: form.remember.checked })
    });
    form.password.value = "";
    if (!response.ok) { say("Login failed: " + await errorText(response), "bad"); return; }
    say("", "");
    await start();
  });

  document.getElementById("check-in-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    const data = new FormData();
    if (form.code) { data.append("code", form.code.value); }
    const photo = form.elements.namedItem(cfg.photoField);
    if (photo && photo.files.length) { data.append(cfg.photoField, photo.files[0]); }
    const headers = {};
    headers[cfg.deviceHeader] = deviceId();
    headers[cfg.csrfHeader] = cookie(cfg.csrfCookie);
    say("Checking in…", "wait");
    const response = await fetch(checkInUrl, {
      method: "POST", credentials: "same-origin", headers: headers, body: data
    });
    if (response.status === 401) {
      if (await resume()) { say("Your session was renewed; check in again.", "wait"); return; }
      show("login"); say("Please log in again.", "bad"); return;
    }
    if (!response.ok) { say("Check-in failed: " + await errorText(response), "bad"); return; }
    showRecord(await response.json());
  });

  start().catch(function () { say("Could not reach the server; reload the page.", "bad"); });
})();
