/* SCORM 2004 4th edition names and formats: completion/success status, scaled score, progress, objectives. */
(function () {
  "use strict";
  var A = window.MIRCO_ADAPTERS;
  A.scorm2004 = A.scormAdapter({
    apiName: "API_1484_11", init: "Initialize", get: "GetValue", set: "SetValue", commit: "Commit",
    finish: "Terminate", entry: "cmi.entry", suspend: "cmi.suspend_data", location: "cmi.location",
    mastery: "cmi.scaled_passing_score", masteryScale: function (v) { return v; },
    interactionCount: "cmi.interactions._count", sessionTime: "cmi.session_time", exit: "cmi.exit",
    exitDone: "normal", duration: A.isoDuration,
    start: function () {  // reuse the objective slots the LMS already holds for our outcomes
      this.objectives = {};
      var n = parseInt(this.get("cmi.objectives._count"), 10) || 0;
      for (var i = 0; i < n; i++) this.objectives[this.get("cmi.objectives." + i + ".id")] = i;
      this.objectiveCount = n;
    },
    interaction: function (rec) {
      var q = rec.question, fields = {
        id: q.iri, type: A.interactionType(q), description: A.langString(q.text, 250), weighting: q.points,
        learner_response: A.pattern(q, rec.response), result: rec.correct ? "correct" : "incorrect"
      };
      A.correctPatterns(q, rec.correctResponse).forEach(function (p, i) { fields["correct_responses." + i + ".pattern"] = p; });
      var outcome = this.sco.outcomes.filter(function (o) { return q.outcomes.indexOf(o.id) >= 0; })[0];
      if (outcome) fields["objectives.0.id"] = outcome.iri;
      return fields;
    },
    report: function (s) {
      this.set("cmi.completion_status", s.completed ? "completed" : "incomplete");
      this.set("cmi.progress_measure", s.progress);
      if (s.passed !== null) this.set("cmi.success_status", s.passed ? "passed" : "failed");
      else if (!s.hasQuiz && s.completed) this.set("cmi.success_status", "passed");  // reading is the mastery
      if (s.scaled !== null) {
        this.set("cmi.score.scaled", s.scaled); this.set("cmi.score.min", 0); this.set("cmi.score.max", 100);
        this.set("cmi.score.raw", Math.round(s.scaled * 10000) / 100);
      }
      var self = this;
      s.outcomes.forEach(function (o) {
        if (!(o.iri in self.objectives)) { self.objectives[o.iri] = self.objectiveCount++; self.set("cmi.objectives." + self.objectives[o.iri] + ".id", o.iri); }
        var n = "cmi.objectives." + self.objectives[o.iri] + ".";
        self.set(n + "completion_status", o.completed ? "completed" : "incomplete");
        if (o.scaled !== null) { self.set(n + "score.scaled", o.scaled); self.set(n + "success_status", s.passed === null ? "unknown" : (o.scaled * 100 >= (self.sco.mastery || 0) ? "passed" : "failed")); }
      });
    }
  });
})();
