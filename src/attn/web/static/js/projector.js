/* The projector (teacher/projector.html): swaps in the next QR code and code when the server
   says the code changes, counts the time left down from the seconds the server gave (a
   classroom PC's clock may be minutes off; only the browser's monotonic clock measures the
   time since), and keeps the counter of check-ins from the live channel. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("projector-data").textContent);
  var qr = document.getElementById("qr");
  var code = document.getElementById("code");
  var link = document.getElementById("link");
  var counter = document.getElementById("count");
  var left = document.getElementById("left");
  var status = document.getElementById("status");
  var CHECKED_IN = ["present", "late"];
  var AFTER_CHANGE_MS = 150;  /* ask just after the change, never just before it */
  var RETRY_MS = 2000;

  var started = performance.now();
  var changeAt = data.seconds_until_change === null ? null
    : started + data.seconds_until_change * 1000 + AFTER_CHANGE_MS;
  var endAt = started + data.seconds_left * 1000;
  var asking = false;

  function clockText(seconds) {
    var whole = Math.max(0, Math.ceil(seconds));
    var hours = Math.floor(whole / 3600);
    var minutes = Math.floor((whole % 3600) / 60);
    var secs = whole % 60;
    var mm = hours ? String(minutes).padStart(2, "0") : String(minutes);
    return (hours ? hours + ":" : "") + mm + ":" + String(secs).padStart(2, "0");
  }

  function askCode() {
    asking = true;
    fetch(data.code_url, { credentials: "same-origin", cache: "no-store",
                           headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status >= 400 && response.status < 500) {
          location.reload();  /* closed, or no longer ours: the page says which */
          return null;
        }
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (shown) {
        asking = false;
        if (!shown) { return; }
        var now = performance.now();
        qr.src = shown.qr;
        if (code) { code.textContent = shown.code; }
        if (link) { link.textContent = shown.checkin_url; }
        changeAt = shown.seconds_until_change === null ? null
          : now + shown.seconds_until_change * 1000 + AFTER_CHANGE_MS;
        endAt = now + shown.seconds_left * 1000;
        status.textContent = "";
      })
      .catch(function () {
        asking = false;
        changeAt = performance.now() + RETRY_MS;
      });
  }

  function tick() {
    var now = performance.now();
    left.textContent = clockText((endAt - now) / 1000);
    if (!asking && changeAt !== null && now >= changeAt) { askCode(); }
    if (!asking && now >= endAt) { askCode(); }
  }
  window.setInterval(tick, 250);

  /* --- the counter ------------------------------------------------------------------ */
  var counted = new Set(data.checked_in);
  function onEvent(name, payload) {
    if (window.AttnLive.ENDING.indexOf(name) >= 0) { location.reload(); return; }
    if (name === "record") {
      var record = payload.record;
      if (CHECKED_IN.indexOf(record.status) >= 0) { counted.add(record.student_number); }
      else { counted.delete(record.student_number); }
    } else if (name === "record_deleted") {
      counted.delete(payload.student_number);
    } else if (name === "roster" && document.getElementById("on-roster")) {
      document.getElementById("on-roster").textContent = payload.size;
      return;
    } else {
      return;
    }
    counter.textContent = counted.size;
  }
  window.AttnLive.open({
    url: data.events, after: data.last_event_id, onEvent: onEvent,
    onState: function () {}, onEnd: function () { location.reload(); }
  });

  /* --- full screen, and a screen that stays on -------------------------------------- */
  var full = document.getElementById("fullscreen");
  if (document.fullscreenEnabled) {
    full.hidden = false;
    full.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else { document.documentElement.requestFullscreen(); }
    });
  }
  function keepAwake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(function () {});
    }
  }
  document.addEventListener("visibilitychange", keepAwake);
  keepAwake();
})();
