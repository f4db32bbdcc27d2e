/* SCORM 1.2 names and formats (RTE 1.2): lesson_status, 0-100 scores, HH:MM:SS, single-character choice ids. */
(function () {
  "use strict";
  var A = window.MIRCO_ADAPTERS;
  var CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
  function key(list, id) { var i = list.map(function (x) { return x.id; }).indexOf(id); return CHARS.charAt(i); }
  function response(q, r) {  // CMIFeedback formats of RTE 1.2 table 3.4.2.4
    if (r === null || r === undefined) return null;
    switch (q.type) {
      case "single": return key(q.choices, r);
      case "multiple": return r.map(function (id) { return key(q.choices, id); }).join(",");
      case "true_false": return r ? "t" : "f";
      case "matching": return Object.keys(r).map(function (s) { return key(q.pairs, s) + "." + key(q.pairs, r[s]); }).join(",");
      case "ordering": return r.map(function (id) { return key(q.items, id); }).join(",");
      default: return A.clip(r, 255);
    }
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  A.scorm12 = A.scormAdapter({
    apiName: "API", init: "LMSInitialize", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit",
    finish: "LMSFinish", entry: "cmi.core.entry", suspend: "cmi.suspend_data", location: "cmi.core.lesson_location",
    mastery: "cmi.student_data.mastery_score", masteryScale: function (v) { return v / 100; },
    interactionCount: "cmi.interactions._count", sessionTime: "cmi.core.session_time", exit: "cmi.core.exit",
    exitDone: "",
    duration: function (s) {
      var h = Math.min(9999, Math.floor(s / 3600)), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
      return pad(h) + ":" + pad(m) + ":" + pad(sec);
    },
    start: function () { if (this.get("cmi.core.lesson_status") === "not attempted") this.set("cmi.core.lesson_status", "incomplete"); },
    interaction: function (rec) {
      var q = rec.question;
      return {
        id: A.clip(rec.quiz.id + "." + q.id, 255), type: A.interactionType(q),
        "correct_responses.0.pattern": response(q, rec.correctResponse), weighting: q.points,
        student_response: response(q, rec.response), result: rec.correct ? "correct" : "wrong"
      };
    },
    report: function (s) {
      var lesson = s.passed === false ? "failed" : !s.completed ? "incomplete" : s.passed === true ? "passed"
        : s.hasQuiz ? "incomplete" : "completed";
      if (this.get("cmi.core.lesson_status") !== "passed") this.set("cmi.core.lesson_status", lesson);
      if (s.scaled !== null) {
        this.set("cmi.core.score.min", 0); this.set("cmi.core.score.max", 100);
        this.set("cmi.core.score.raw", Math.round(s.scaled * 10000) / 100);
      }
    }
  });
})();
