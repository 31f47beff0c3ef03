"use strict";
// The check-in page's enhancement (its forms work without it, posted to the server): keeps
// the QR scan's code as a ticket (so the login may take its time), logs in through the JSON API, shows the record already there (a reload), retries
// while the connection is down and says every refusal in the page's words (the JSON block
// the template renders).
(function () {
  const root = document.getElementById("checkin");
  const cfg = root.dataset;
  const words = JSON.parse(document.getElementById("check-in-words").textContent);
  const api = "/api/v1";
  const base = api + "/attendances/" + encodeURIComponent(cfg.attendanceId);
  const ticketKey = "attn.scan." + cfg.attendanceId;
  const statusBox = document.getElementById("status");
  const checkInForm = document.getElementById("check-in-form");
  const hasCode = cfg.codeCheck === "on";
  const RETRIED = [502, 503, 504];
  const CLOSED = ["attendance_finished", "attendance_ended", "attendance_deleted",
                  "attendance_not_open", "attendance_not_started", "attendance_not_found",
                  "not_enrolled", "wrong_role"];

  function byId(id) { return document.getElementById(id); }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.dataset.kind = kind || "";
  }

  function errorWords(code) { return words.errors[code] || words.progress.failed; }

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

  // --- the network: every request is retried while the connection is down -------------

  function sleep(ms) { return new Promise(function (done) { window.setTimeout(done, ms); }); }
  function backOnline() {
    return new Promise(function (done) { window.addEventListener("online", done, { once: true }); });
  }

  async function send(url, options) {
    let wait = 1;
    for (;;) {
      let response = null;
      try {
        response = await fetch(url, Object.assign({ credentials: "same-origin" }, options || {}));
      } catch (e) { response = null; }  // offline, or the connection dropped
      if (response && RETRIED.indexOf(response.status) < 0) { return response; }
      say(fill(words.progress.retrying, { seconds: wait }), "wait");
      await Promise.race([sleep(wait * 1000), backOnline()]);
      wait = Math.min(wait * 2, 15);
    }
  }

  async function errorOf(response) {
    try { return (await response.json()).error.code || ""; } catch (e) { return ""; }
  }

  function deviceHeaders(extra) {
    const headers = Object.assign({}, extra || {});
    headers[cfg.deviceHeader] = deviceId();
    return headers;
  }

  // --- the scan ticket: the QR's code, kept for the check-in after the login -------------

  function keepTicket(ticket, lifetimeMs) {
    const until = lifetimeMs > 0 ? Date.now() + lifetimeMs : 0;
    try { window.sessionStorage.setItem(ticketKey, JSON.stringify({ ticket: ticket, until: until })); }
    catch (e) { /* storage refused: the ticket lives as long as this page */ }
    heldTicket.memory = ticket;
  }

  function heldTicket() {
    let kept = null;
    try { kept = JSON.parse(window.sessionStorage.getItem(ticketKey) || "null"); } catch (e) { kept = null; }
    if (kept && kept.ticket && (!kept.until || kept.until > Date.now())) { return kept.ticket; }
    return heldTicket.memory || null;
  }

  function dropTicket() {
    try { window.sessionStorage.removeItem(ticketKey); } catch (e) { /* nothing kept */ }
    heldTicket.memory = null;
    showTicket(false);
  }

  function showTicket(held) {
    if (!hasCode) { return; }
    byId("scan-kept").hidden = !held;
    byId("code-field").hidden = held;
    byId("code").required = !held;
  }

  async function scan(code) {
    const response = await send(base + "/scan", {
      method: "POST",
      headers: deviceHeaders({ "Content-Type": "application/json" }),
      body: JSON.stringify({ code: code })
    });
    if (response.status !== 201) { return errorOf(response); }
    const body = await response.json();
    const lifetime = Date.parse(body.expires_at) - Date.parse(response.headers.get("Date") || "");
    keepTicket(body.scan_ticket, isFinite(lifetime) ? lifetime : 0);
    return "";
  }

  async function keepScan() {
    const code = new URLSearchParams(window.location.search).get("code");
    if (!code || !hasCode) { return true; }
    const refused = await scan(code);
    window.history.replaceState(null, "", window.location.pathname);  // a reload rescans nothing
    if (!refused) { say(words.progress.scan_kept, "ok"); return true; }
    if (CLOSED.indexOf(refused) >= 0) { say(errorWords(refused), "bad"); return false; }
    byId("code").value = code;
    say(words.progress.scan_failed, "bad");
    return true;
  }

  // --- who is here, and what they have already --------------------------------------------

  function show(section) {
    byId("login").hidden = section !== "login";
    byId("check-in").hidden = section !== "check-in";
  }

  async function resume() {
    // A remembered phone opens a new session without the password (its HttpOnly cookie).
    const response = await send(api + "/auth/resume", { method: "POST", headers: deviceHeaders() });
    return response.ok;
  }

  async function enter(focus) {
    let me = await send(api + "/auth/me");
    if (me.status === 401 && await resume()) { me = await send(api + "/auth/me"); }
    if (!me.ok) { show("login"); return; }
    const body = await me.json();
    byId("who").textContent = fill(words.progress.logged_in_as,
                                   { name: body.full_name, number: body.user_number });
    show("check-in");
    if (body.role !== "student") { checkInForm.hidden = true; say(errorWords("wrong_role"), "bad"); return; }
    const mine = await send(base + "/records/me");
    if (mine.ok) { showRecord(await mine.json()); }
    if (focus && !checkInForm.hidden) {
      const code = byId("code");
      (code && !byId("code-field").hidden ? code : byId("check-in-button")).focus();
    }
  }

  function showRecord(record, attempted) {
    const outcomes = words.outcomes;
    checkInForm.hidden = true;
    if (record.status === "rejected" && record.fail_reason === "not_enrolled") {
      /* no attempt of theirs can mend it: the teacher may accept it */
      say(fill(outcomes.refused, { reason: words.reasons.not_enrolled }), "bad");
    } else if (record.status === "rejected" && record.decided_by === "self") {
      const reason = words.reasons[record.fail_reason] || words.progress.failed;
      const again = record.fail_reason === "code_invalid" ? "" : " " + outcomes.try_again;
      say(fill(outcomes.refused, { reason: reason }) + again, "bad");
      if (attempted && record.fail_reason === "code_invalid") { dropTicket(); }
      checkInForm.hidden = false;
    } else if (record.status === "rejected") {
      const why = record.decision_reason ? " " + fill(outcomes.because, { reason: record.decision_reason }) : "";
      say(outcomes.teacher_rejected + why, "bad");
    } else if (record.status === "pending") {
      say(outcomes.pending, "wait");
      window.setTimeout(refresh, 3000);
    } else {
      say(outcomes[record.status] || record.status, "ok");
    }
  }

  async function refresh() {
    const response = await send(base + "/records/me");
    if (response.ok) { showRecord(await response.json()); }
  }

  // --- the forms ---------------------------------------------------------------------------

  byId("login-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    say(words.progress.logging_in, "wait");
    const response = await send(api + "/auth/login", {
      method: "POST",
      headers: deviceHeaders({ "Content-Type": "application/json" }),
      body: JSON.stringify({ user_number: form.user_number.value.trim(), password: form.password.value,
                             remember: form.remember.checked })
    });
    if (!response.ok) {
      say(fill(words.progress.login_failed, { reason: errorWords(await errorOf(response)) }), "bad");
      return;
    }
    form.password.value = "";
    say("", "");
    await enter(true);
  });

  async function checkIn(renewed) {
    const ticket = hasCode && byId("code-field").hidden ? heldTicket() : null;
    const data = new FormData();
    if (ticket) { data.append("scan_ticket", ticket); }
    else if (hasCode) { data.append("code", byId("code").value); }
    const photo = checkInForm.elements.namedItem(cfg.photoField);
    if (photo && photo.files.length) { data.append(cfg.photoField, photo.files[0]); }
    const headers = deviceHeaders();
    headers[cfg.csrfHeader] = cookie(cfg.csrfCookie);
    say(words.progress.checking_in, "wait");
    const response = await send(base + "/check-in", { method: "POST", headers: headers, body: data });
    if (response.status === 401) {
      if (!renewed && await resume()) { return checkIn(true); }
      show("login"); say(words.progress.log_in_again, "bad"); return;
    }
    if (ticket && (response.ok || response.status === 429)) { dropTicket(); }  // used up
    if (!response.ok) {
      const code = await errorOf(response);
      say(errorWords(code), "bad");
      if (CLOSED.indexOf(code) >= 0) { checkInForm.hidden = true; }
      return;
    }
    showRecord(await response.json(), true);
  }

  checkInForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const button = byId("check-in-button");
    button.disabled = true;
    try { await checkIn(false); } finally { button.disabled = false; }
  });

  if (hasCode) {
    byId("type-code").addEventListener("click", function () { dropTicket(); byId("code").focus(); });
  }
  // The forms post this phone's id too when they are sent without this script's help.
  document.querySelectorAll('input[name="device_id"]').forEach(function (field) { field.value = deviceId(); });

  async function start() {
    if (await keepScan()) {
      showTicket(Boolean(heldTicket()));
      await enter(false);
    }
  }

  start().catch(function () { say(words.progress.failed, "bad"); });
})();
