/* The live channel of one attendance (GET /api/v1/attendances/{id}/events), shared by the
   live list and the projector. Read with fetch() rather than EventSource: an EventSource
   cannot tell "nothing more to send" (204, the attendance is closed) from "try later" (503)
   and gives up on both, while here each answer gets its own reaction. A reconnect resumes
   from the last event id seen (Last-Event-ID), so no change is missed. */
(function () {
  "use strict";

  var SEPARATOR = /\r\n\r\n|\n\n|\r\r/;
  var MAX_DELAY_MS = 15000;

  function parseBlock(block) {
    var event = { name: "message", data: [], id: null };
    block.split(/\r\n|\n|\r/).forEach(function (line) {
      if (line === "" || line.charAt(0) === ":") { return; }
      var colon = line.indexOf(":");
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") { event.name = value; }
      else if (field === "data") { event.data.push(value); }
      else if (field === "id") { event.id = value; }
    });
    return event;
  }

  /* options: url, after (event id or null), onEvent(name, data, id), onState("live"|"lost"),
     onEnd("closed"|"refused"). Returns {stop()}. */
  function open(options) {
    var lastId = options.after || null;
    var delay = 1000;
    var stopped = false;
    var controller = null;

    function retry() {
      if (stopped) { return; }
      options.onState("lost");
      var wait = delay + Math.random() * 500;
      delay = Math.min(delay * 2, MAX_DELAY_MS);
      window.setTimeout(connect, wait);
    }

    function dispatch(block) {
      var event = parseBlock(block);
      if (event.id) { lastId = event.id; }
      if (!event.data.length) { return; }
      var data;
      try { data = JSON.parse(event.data.join("\n")); } catch (error) { return; }
      options.onEvent(event.name, data, event.id);
    }

    function read(response) {
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function next() {
        return reader.read().then(function (chunk) {
          if (chunk.done || stopped) { return; }
          buffer += decoder.decode(chunk.value, { stream: true });
          var match;
          while ((match = SEPARATOR.exec(buffer)) !== null) {
            dispatch(buffer.slice(0, match.index));
            buffer = buffer.slice(match.index + match[0].length);
          }
          return next();
        });
      }
      return next();
    }

    function connect() {
      if (stopped) { return; }
      controller = new AbortController();
      var headers = { Accept: "text/event-stream" };
      var url = options.url;
      if (lastId) { headers["Last-Event-ID"] = lastId; }
      fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store",
                   signal: controller.signal })
        .then(function (response) {
          if (response.status === 204) { stopped = true; options.onEnd("closed"); return; }
          if ([401, 403, 404].indexOf(response.status) >= 0) {
            stopped = true; options.onEnd("refused"); return;
          }
          if (!response.ok || !response.body) { retry(); return; }
          delay = 1000;
          options.onState("live");
          return read(response).then(retry, retry);
        }, retry);
    }

    connect();
    return {
      stop: function () { stopped = true; if (controller) { controller.abort(); } }
    };
  }

  window.AttnLive = { open: open, ENDING: ["finished", "deleted", "persisted", "reset"] };
})();
