(function () {
  "use strict";

  // Time on a quiz: seconds from opening it to submitting it, sent with the answers (no countdown is shown).
  // Unanswered questions are confirmed before the answers go (without script, the server asks the same).
  var form = document.querySelector("form.quiz");
  function answered(fieldset) {
    return Array.prototype.some.call(fieldset.querySelectorAll("input, select"), function (control) {
      if (control.type === "radio" || control.type === "checkbox") return control.checked;
      return control.value.trim() !== "";
    });
  }
  if (form && form.elements.seconds) {
    var started = Date.now();
    form.addEventListener("submit", function (event) {
      var missing = Array.prototype.filter.call(form.querySelectorAll("fieldset.question"), function (f) {
        return !answered(f);
      });
      if (missing.length && form.elements.confirm.value !== "1") {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
          missing[0].querySelector("input, select").focus();
          return;
        }
        form.elements.confirm.value = "1";
      }
      form.elements.seconds.value = String(Math.round((Date.now() - started) / 1000));
    });
  }

  // Time on a lesson: only while the page is visible (Page Visibility API), reported with sendBeacon when the
  // page is hidden or left (pagehide, never unload: it would stop the back/forward cache) and every minute.
  // The server credits no more than the time that really passed, at most MAX seconds per report.
  var timer = document.getElementById("lesson-timer");
  if (!timer || !navigator.sendBeacon || !window.URLSearchParams) return;
  var MAX = 600;
  var url = timer.getAttribute("data-time-url");
  var launch = timer.getAttribute("data-launch");
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var pending = 0;

  function collect() {
    if (visibleSince !== null) {
      var now = Date.now();
      pending += Math.max(0, now - visibleSince) / 1000;
      visibleSince = now;
    }
  }

  function report() {
    collect();
    var seconds = Math.min(Math.floor(pending), MAX);
    if (seconds < 1) return;
    var body = new URLSearchParams();
    body.set("launch", launch);
    body.set("seconds", String(seconds));
    if (navigator.sendBeacon(url, body)) pending -= seconds;
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      report();
      visibleSince = null;
    } else {
      visibleSince = Date.now();
    }
  });
  window.addEventListener("pagehide", function () {
    report();
    visibleSince = null;
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.visibilityState === "visible") visibleSince = Date.now();
  });
  window.setInterval(function () {
    if (document.visibilityState === "visible") report();
  }, 60000);
})();
