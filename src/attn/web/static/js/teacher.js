"use strict";
// The start form without surprises: the allowed networks show only while the network
// check is on, and the duration or end time only for the way of ending that is picked.
// Without this script every field stays visible and the server ignores the unused ones.
// Choosing a course writes its name into an empty lesson name (or over the name the last
// choice wrote); without the script an empty name becomes the course's on the server.
// On every teacher page with a form, a summary of problems takes the focus.
(function () {
  // a form sent back with problems: its summary first, for keyboards and screen readers
  const summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  const form = document.getElementById("start-form");
  if (!form) { return; }
  const network = document.getElementById("check_network");
  const networks = document.getElementById("networks");
  function showNetworks() { if (network && networks) { networks.hidden = !network.checked; } }

  const byDuration = document.getElementById("end_by_duration");
  const byTime = document.getElementById("end_by_time");
  const duration = document.getElementById("duration_minutes");
  const endTime = document.getElementById("end_time");
  function wrapperOf(input) {
    // the label before the input and the input itself: hide both together
    return input ? [input, form.querySelector('label[for="' + input.id + '"]')] : [];
  }
  function showEnd() {
    if (!byDuration || !byTime) { return; }
    wrapperOf(duration).forEach(function (el) { if (el) { el.hidden = !byDuration.checked; } });
    wrapperOf(endTime).forEach(function (el) { if (el) { el.hidden = !byTime.checked; } });
  }
  const course = document.getElementById("course_id");
  const lessonName = document.getElementById("lesson_name");
  let filled = "";  // the name the last course choice wrote, replaced by the next choice
  function fillName() {
    if (!course || !lessonName) { return; }
    const chosen = course.options[course.selectedIndex];
    const name = (chosen && chosen.dataset.name) || "";
    if (lessonName.value.trim() === "" || lessonName.value === filled) {
      lessonName.value = name;
      filled = name;
    }
  }
  if (course) { course.addEventListener("change", fillName); }
  if (network) { network.addEventListener("change", showNetworks); }
  [byDuration, byTime].forEach(function (el) { if (el) { el.addEventListener("change", showEnd); } });
  showNetworks();
  showEnd();
})();
