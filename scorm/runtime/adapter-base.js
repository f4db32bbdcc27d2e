/* Shared by every adapter: LMS API discovery, durations, response formats, and the offline (no LMS) adapter. */
(function () {
  "use strict";
  var A = window.MIRCO_ADAPTERS = window.MIRCO_ADAPTERS || {};

  /* The SCORM API object sits on a parent frame or the opener (SCORM RTE 3.3.6.1 discovery algorithm). */
  A.findApi = function (name) {
    function climb(win) {
      for (var hops = 0; win && hops < 10; hops++) {
        try { if (win[name]) return win[name]; } catch (e) { return null; }  // cross-origin frame: stop
        if (win.parent === win) break;
        win = win.parent;
      }
      return null;
    }
    return climb(window) || (window.opener ? climb(window.opener) : null);
  };

  A.seconds = function (started) { return Math.max(0, (Date.now() - started) / 1000); };
  A.isoDuration = function (seconds) {  // SCORM 2004 / xAPI: PT#H#M#S with at most 2 decimals
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = Math.round((seconds % 60) * 100) / 100;
    return "PT" + h + "H" + m + "M" + s + "S";
  };
  A.clip = function (text, max) { text = String(text); return text.length > max ? text.slice(0, max) : text; };
  /* localized_string_type (RTE 4.1.1.7): a leading "{" would be read as a {lang=...} delimiter and refused. */
  A.langString = function (text, max) { text = A.clip(text, max); return text.charAt(0) === "{" ? A.clip(" " + text, max) : text; };

  /* Responses in the SCORM 2004 / xAPI pattern syntax (RTE 4.2.9.1), also used by cmi5 "answered". */
  var INTERACTION_TYPES = {single: "choice", multiple: "choice", true_false: "true-false", matching: "matching",
                           ordering: "sequencing", fill_in: "fill-in"};
  A.interactionType = function (q) { return INTERACTION_TYPES[q.type]; };
  A.pattern = function (q, r) {
    if (r === null || r === undefined) return null;
    switch (q.type) {
      case "single": return r;
      case "multiple": return r.length ? r.join("[,]") : null;  // nothing chosen: no response (an empty one is refused)
      case "true_false": return r ? "true" : "false";
      case "matching": return Object.keys(r).length ? Object.keys(r).map(function (k) { return k + "[.]" + r[k]; }).join("[,]") : null;
      case "ordering": return r.join("[,]");
      default: return A.langString(String(r).replace(/\[[,.:]\]/g, " "), 250);
    }
  };
  A.correctPatterns = function (q, correct) {
    if (q.type !== "fill_in") return [A.pattern(q, correct)];
    return q.answers.slice(0, 5).map(function (a) { return "{case_matters=" + !!q.caseSensitive + "}" + A.clip(a, 250); });
  };

  /* Offline preview (package opened without an LMS): state in localStorage, nothing reported. */
  A.local = {
    available: function () { return true; },
    init: function (content, sco) { this.key = "mirco:" + sco.iri; },
    start: function () {
      var suspend = null;
      try { suspend = window.localStorage.getItem(this.key); } catch (e) { /* storage disabled */ }
      return Promise.resolve({suspend: suspend, location: "", mastery: null});
    },
    save: function (suspend) { try { window.localStorage.setItem(this.key, suspend); } catch (e) { /* storage disabled */ } },
    interaction: function () {}, report: function () {}, commit: function () {}, finish: function () {}
  };

  /* SCORM 1.2 and 2004 differ only in names and value formats; this wraps the common call sequence. */
  A.scormAdapter = function (spec) {
    return {
      available: function () { this.api = A.findApi(spec.apiName); return !!this.api; },
      init: function (content, sco) { this.sco = sco; this.open = false; this.started = Date.now(); this.count = 0; },
      get: function (key) { return this.api[spec.get](key); },
      set: function (key, value) { if (this.open && value !== null && value !== undefined) this.api[spec.set](key, String(value)); },
      start: function () {
        this.open = String(this.api[spec.init]("")) === "true";
        this.count = parseInt(this.get(spec.interactionCount), 10) || 0;
        var resume = this.get(spec.entry) === "resume" || this.get(spec.suspend) !== "";
        var mastery = parseFloat(this.get(spec.mastery));
        if (spec.start) spec.start.call(this);
        return Promise.resolve({suspend: resume ? this.get(spec.suspend) : "", location: this.get(spec.location),
                                mastery: isNaN(mastery) ? null : spec.masteryScale(mastery)});
      },
      save: function (suspend, location) { this.set(spec.suspend, suspend); this.set(spec.location, location); },
      interaction: function (rec) {
        var n = "cmi.interactions." + this.count++ + ".", fields = spec.interaction.call(this, rec);
        var self = this;
        Object.keys(fields).forEach(function (k) { self.set(n + k, fields[k]); });
      },
      report: function (status) { spec.report.call(this, status); },
      commit: function () {
        if (!this.open) return;
        this.set(spec.sessionTime, spec.duration(A.seconds(this.started)));
        this.api[spec.commit]("");
      },
      finish: function (done) {
        if (!this.open) return;
        this.set(spec.exit, done ? spec.exitDone : "suspend");
        this.commit();
        this.api[spec.finish]("");
        this.open = false;
      }
    };
  };
})();
