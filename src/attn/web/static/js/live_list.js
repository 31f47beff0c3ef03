/* The teacher's live list (teacher/live.html): applies the live channel's deltas to the
   rows by student number (a lecture hall of 2,000 never reloads the list), filters in
   place, and accepts or rejects through the JSON API without leaving the page. Without
   this script the page's forms do the same by POST and redirect. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("live-data").textContent);
  var words = data.words;
  var list = document.getElementById("records");
  var template = document.getElementById("row-template");
  var decideForm = document.getElementById("decide");
  var token = decideForm.querySelector("[name=csrf_token]").value;
  var dialog = document.getElementById("reject-dialog");
  var rejectForm = document.getElementById("reject-form");
  var announcer = document.getElementById("announce");
  var connection = document.getElementById("connection");
  var empty = document.getElementById("empty");
  var showSelect = document.getElementById("show");
  var queryInput = document.getElementById("q");
  var STATUSES = ["present", "late", "pending", "rejected"];
  var timeText = new Intl.DateTimeFormat(data.language, {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: data.zone
  });

  var rows = new Map();
  var keys = new Map();
  var counts = { total: 0 };
  STATUSES.forEach(function (status) { counts[status] = 0; });
  Array.prototype.forEach.call(list.children, function (row) {
    rows.set(row.dataset.number, row);
    count(row.dataset.status, 1);
  });

  function fold(text) {
    return text.normalize("NFKD").toLowerCase().replace(/[\u0300-\u036f]/g, "")
      .replace(/\u0131/g, "i").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  function keyOf(row) {
    var number = row.dataset.number;
    if (!keys.has(number)) {
      keys.set(number, fold(row.querySelector(".name").textContent + " " + number));
    }
    return keys.get(number);
  }

  function count(status, step) {
    counts.total += step;
    if (status in counts) { counts[status] += step; }
  }

  /* --- filter ------------------------------------------------------------------------ */
  function shows(row) {
    var statuses = data.filters[showSelect.value] || [];
    if (statuses.length && statuses.indexOf(row.dataset.status) < 0) { return false; }
    var key = keyOf(row);
    return fold(queryInput.value).split(" ").every(function (word) { return key.indexOf(word) >= 0; });
  }

  function applyFilter() {
    rows.forEach(function (row) { row.hidden = !shows(row); });
    decideForm.querySelector("[name=show]").value = showSelect.value;
    decideForm.querySelector("[name=q]").value = queryInput.value;
    var params = new URLSearchParams();
    if (showSelect.value !== "all") { params.set("show", showSelect.value); }
    if (queryInput.value.trim()) { params.set("q", queryInput.value.trim()); }
    var search = params.toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
  }
  showSelect.addEventListener("change", applyFilter);
  queryInput.addEventListener("input", applyFilter);
  showSelect.form.addEventListener("submit", function (event) { event.preventDefault(); applyFilter(); });

  /* --- rows -------------------------------------------------------------------------- */
  function note(record) {
    if (record.status === "pending") { return words.pending; }
    if (record.status !== "rejected") { return ""; }
    if (record.fail_reason === "teacher_rejected" && record.decision_reason) {
      return words.rejected_because.replace("%(reason)s", record.decision_reason);
    }
    return words.why[record.fail_reason] || record.fail_reason || "";
  }

  function fillRow(row, record) {
    var status = record.status;
    var name = record.user_full_name;
    row.id = "r-" + record.student_number;
    row.dataset.number = record.student_number;
    row.dataset.status = status;
    row.querySelector(".name").textContent = name;
    row.querySelector(".number").textContent = record.student_number;
    var badge = row.querySelector(".badge");
    badge.className = "badge " + status;
    badge.textContent = words.status[status] || status;
    var time = row.querySelector("time");
    time.dateTime = record.checked_in_at;
    time.textContent = timeText.format(new Date(record.checked_in_at));
    row.querySelector(".note").textContent = note(record);
    var actions = template.content.querySelector(".actions").cloneNode(true);
    var accept = actions.querySelector("button.accept");
    var reject = actions.querySelector("button.reject");
    accept.value = reject.value = record.student_number;
    actions.querySelectorAll(".sr-only").forEach(function (span) { span.textContent = " " + name; });
    if (status === "present" || status === "late") { accept.remove(); }
    if (status === "rejected") { reject.remove(); }
    row.replaceChild(actions, row.querySelector(".actions"));
  }

  var calm = window.matchMedia("(prefers-reduced-motion: reduce)");
  var FLASH_AT_MOST = 50;  /* a burst of check-ins is not a light show */
  function flash(row) {
    if (!calm.matches && row.animate) {
      row.animate([{ backgroundColor: "#fff6d6" }, { backgroundColor: "#fff" }], 1200);
    }
  }

  /* Applies one record (from the channel or an action's answer); returns a new row to
     insert, or null when an existing row was updated in place. */
  function applyRecord(record, lively) {
    var row = rows.get(record.student_number);
    var created = !row;
    if (created) {
      row = template.content.firstElementChild.cloneNode(true);
      rows.set(record.student_number, row);
    } else {
      count(row.dataset.status, -1);
    }
    keys.delete(record.student_number);
    arrived(record.student_number);
    fillRow(row, record);
    count(record.status, 1);
    row.hidden = !shows(row);
    if (lively) { flash(row); }
    return created ? row : null;
  }

  function removeRecord(number) {
    var row = rows.get(number);
    if (!row) { return; }
    count(row.dataset.status, -1);
    rows.delete(number);
    keys.delete(number);
    row.remove();
    expected(number);
  }

  /* --- a course's roster: who has not checked in yet --------------------------------- */
  var roster = data.roster ? new Map(Object.entries(data.roster)) : null;
  var waitingList = document.getElementById("waiting");
  var waitingTemplate = document.getElementById("waiting-template");
  var waitingEmpty = document.getElementById("waiting-empty");
  var waiting = new Map();
  if (waitingList) {
    Array.prototype.forEach.call(waitingList.children, function (item) {
      waiting.set(item.dataset.number, item);
    });
  }

  function arrived(number) {
    var item = waiting.get(number);
    if (!item) { return; }
    waiting.delete(number);
    item.remove();
  }

  /* A student of the roster without a record (again): back on the list, in number order. */
  function expected(number) {
    if (!roster || !roster.has(number) || rows.has(number) || waiting.has(number)) { return; }
    var name = roster.get(number);
    var item = waitingTemplate.content.firstElementChild.cloneNode(true);
    item.dataset.number = number;
    item.querySelector("[name=student_number]").value = number;
    item.querySelector(".name").textContent = name;
    item.querySelector(".number").textContent = number;
    item.querySelector(".sr-only").textContent = " " + name;
    var next = Array.prototype.find.call(waitingList.children, function (other) {
      return other.dataset.number > number;
    });
    waitingList.insertBefore(item, next || null);
    waiting.set(number, item);
  }

  function applyRoster(change) {
    if (!roster) { return; }
    change.added.forEach(function (student) {
      roster.set(student.student_number, student.full_name);
      var item = waiting.get(student.student_number);
      if (item) { item.querySelector(".name").textContent = student.full_name; }
      expected(student.student_number);
    });
    change.removed.forEach(function (number) { roster.delete(number); arrived(number); });
  }

  function showWaiting() {
    if (!roster) { return; }
    document.querySelectorAll('[data-count="waiting"]').forEach(function (cell) {
      cell.textContent = waiting.size;
    });
    document.querySelector('[data-count="roster"]').textContent = roster.size;
    waitingEmpty.hidden = waiting.size > 0;
  }

  /* --- counts and announcements ------------------------------------------------------ */
  var announceTimer = null;
  function showCounts() {
    Object.keys(counts).forEach(function (status) {
      var cell = document.querySelector('[data-count="' + status + '"]');
      if (cell) { cell.textContent = counts[status]; }
    });
    empty.hidden = counts.total > 0;
    showWaiting();
    if (announceTimer === null) { announceTimer = window.setTimeout(announce, 8000); }
  }

  function announce() {
    announceTimer = null;
    announcer.textContent = words.announce.replace(/%\((\w+)\)s/g, function (_, name) {
      return String(counts[name]);
    });
  }

  /* --- the live channel, applied once per frame ------------------------------------ */
  var queue = [];
  function flush() {
    var batch = queue;
    queue = [];
    var added = document.createDocumentFragment();
    var fresh = [];
    var lively = batch.length <= FLASH_AT_MOST;
    batch.forEach(function (item) {
      if (item.name === "record") {
        var row = applyRecord(item.data.record, lively);
        if (row) { fresh.push(row); }
      } else if (item.name === "record_deleted") {
        removeRecord(item.data.student_number);
      } else if (item.name === "roster") {
        applyRoster(item.data);
      }
    });
    for (var i = fresh.length - 1; i >= 0; i -= 1) { added.appendChild(fresh[i]); }
    list.insertBefore(added, list.firstChild);
    showCounts();
  }

  function onEvent(name, payload) {
    if (window.AttnLive.ENDING.indexOf(name) >= 0) { location.reload(); return; }
    if (name !== "record" && name !== "record_deleted" && name !== "roster") { return; }
    if (!queue.length) { window.requestAnimationFrame(flush); }
    queue.push({ name: name, data: payload });
  }

  function onState(state) {
    connection.dataset.state = state;
    connection.textContent = state === "live" ? words.connected : words.reconnecting;
  }

  window.AttnLive.open({
    url: data.events, after: data.last_event_id, onEvent: onEvent, onState: onState,
    onEnd: function () { location.reload(); }
  });

  /* --- actions in place ------------------------------------------------------------- */
  function act(number, action, reason, fallback) {
    var init = {
      method: "POST", credentials: "same-origin",
      headers: { Accept: "application/json" }
    };
    init.headers[data.csrf_header] = token;
    if (reason) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify({ reason: reason });
    }
    var url = data.api + "/records/" + encodeURIComponent(number) + "/" + action;
    return fetch(url, init).then(function (response) {
      if (!response.ok) { fallback(); return; }
      return response.json().then(function (record) {
        var before = rows.get(number);
        var focused = Boolean(before && before.contains(document.activeElement));
        var row = applyRecord(record, true);
        if (row) { list.insertBefore(row, list.firstChild); }
        showCounts();
        /* the tapped button is gone with the old status: keep the focus in the row */
        var next = rows.get(number).querySelector(".actions button");
        if (focused && next) { next.focus(); }
      });
    }, function () {
      connection.textContent = words.failed;
    });
  }

  /* A refused action goes the form's way, so the server says why in words. */
  function submitClassic(form, name, value) {
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = name;
    field.value = value;
    form.appendChild(field);
    HTMLFormElement.prototype.submit.call(form);
  }

  decideForm.addEventListener("click", function (event) {
    var button = event.target.closest("button[name]");
    if (!button || !decideForm.contains(button)) { return; }
    event.preventDefault();
    var number = button.value;
    if (button.name === "accept") {
      act(number, "accept", null, function () { submitClassic(decideForm, "accept", number); });
    } else if (typeof dialog.showModal === "function") {
      openReject(number);
    } else {
      submitClassic(decideForm, "reject", number);
    }
  });

  /* --- the reasons of a rejection, in a dialog --------------------------------------- */
  var other = rejectForm.querySelector("[name=other_reason]");
  function openReject(number) {
    var row = rows.get(number);
    rejectForm.querySelector("[name=reject]").value = number;
    rejectForm.querySelector("[data-name]").textContent = row ? row.querySelector(".name").textContent : number;
    other.value = "";
    other.removeAttribute("aria-invalid");
    dialog.showModal();
    rejectForm.querySelector(".reasons button").focus();
  }

  rejectForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var number = rejectForm.querySelector("[name=reject]").value;
    var submitter = event.submitter;
    var reason = submitter && submitter.name === "reason" ? submitter.value : other.value.trim();
    if (!reason) {
      other.setAttribute("aria-invalid", "true");
      other.focus();
      return;
    }
    dialog.close();
    act(number, "reject", reason, function () {
      submitClassic(rejectForm, submitter && submitter.name === "reason" ? "reason" : "other_reason", reason);
    });
  });
  rejectForm.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
})();
