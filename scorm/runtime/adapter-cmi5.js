/* cmi5 AU runtime: reads the launch parameters, fetches the auth token, reads LMS.LaunchData, sends the
   cmi5-defined statements (initialized, completed, passed/failed, terminated) and the allowed ones
   (answered, progressed), and keeps resume state in the xAPI State API. */
(function () {
  "use strict";
  var A = window.MIRCO_ADAPTERS;
  var params = new URLSearchParams(window.location.search);
  var STATE_ID = "https://mirco.eu/xapi/state/resume";

  function uuid() { return window.crypto.randomUUID(); }
  A.cmi5 = {
    available: function () { return ["endpoint", "fetch", "actor", "registration", "activityId"].every(function (k) { return params.has(k); }); },
    init: function (content, sco) {
      this.x = content.xapi; this.sco = sco; this.lang = content.lang;
      this.endpoint = params.get("endpoint").replace(/\/?$/, "/");
      this.actor = JSON.parse(params.get("actor")); this.registration = params.get("registration");
      this.activityId = params.get("activityId"); this.queue = Promise.resolve(); this.waiting = []; this.inflight = null; this.sent = {};
      this.progress = 0;
    },
    request: function (method, path, query, body, keepalive) {
      var url = this.endpoint + path + (query ? "?" + new URLSearchParams(query).toString() : "");
      return fetch(url, {method: method, keepalive: !!keepalive, headers: {
        "Authorization": this.auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"},
        body: body === undefined ? undefined : JSON.stringify(body)});
    },
    stateQuery: function (stateId) {
      return {stateId: stateId, activityId: this.activityId, agent: JSON.stringify(this.actor), registration: this.registration};
    },
    token: async function () {  // the fetch URL answers once; a reload of the same launch reuses the token
      var cacheKey = "mirco-cmi5:" + params.get("fetch"), storage = null;
      try { storage = window.sessionStorage; } catch (e) { /* a sandboxed frame (opaque origin) has no storage */ }
      var cached = storage && storage.getItem(cacheKey);
      if (cached) return cached;
      var answer = await (await fetch(params.get("fetch"), {method: "POST"})).json();
      if (!answer["auth-token"]) throw new Error("cmi5 fetch URL refused: " + JSON.stringify(answer));
      if (storage) storage.setItem(cacheKey, answer["auth-token"]);
      return answer["auth-token"];
    },
    start: async function () {
      this.auth = "Basic " + await this.token();
      this.launch = await (await this.request("GET", "activities/state", this.stateQuery("LMS.LaunchData"))).json();
      var saved = await this.request("GET", "activities/state", this.stateQuery(STATE_ID));
      this.saved = saved.ok ? await saved.json() : {};
      this.sent = this.saved.sent || {};
      this.normal = (this.launch.launchMode || "Normal") === "Normal";
      this.started = Date.now();
      this.send("initialized", {}, true);
      var m = this.launch.masteryScore;
      return {suspend: this.saved.suspend || "", location: "", mastery: typeof m === "number" ? m : null};
    },
    statement: function (verb, extra, cmi5Defined) {
      var ctx = JSON.parse(JSON.stringify(this.launch.contextTemplate || {}));
      ctx.registration = this.registration;
      ctx.contextActivities = ctx.contextActivities || {};
      if (cmi5Defined) {
        var cats = [{id: this.x.cmi5Category}];
        if (verb === "completed" || verb === "passed" || verb === "failed") cats.push({id: this.x.moveOnCategory});
        ctx.contextActivities.category = (ctx.contextActivities.category || []).concat(cats);
      }
      if (extra.contextExtensions) ctx.extensions = Object.assign(ctx.extensions || {}, extra.contextExtensions);
      if (extra.parent) ctx.contextActivities.parent = [{id: this.activityId, objectType: "Activity"}];
      var st = {id: uuid(), timestamp: new Date().toISOString(), actor: this.actor,
                verb: {id: this.x.verbs[verb], display: {"en-US": verb}},
                object: extra.object || {id: this.activityId, objectType: "Activity"}, context: ctx};
      if (extra.result) st.result = extra.result;
      return st;
    },
    /* Requests go one after another (statements in the order things happened), each with keepalive so one in
       flight survives the page closing. When the page goes away (pagehide: tab closed, window navigated), the
       ones still waiting would never start: finish() sends them at once, with `terminated` last, in one
       keepalive POST (sendBeacon cannot carry the Authorization header cmi5 requires). */
    enqueue: function (item) {
      var self = this;
      this.waiting.push(item);
      this.queue = this.queue.then(function () {
        var at = self.waiting.indexOf(item);
        if (at < 0) return;  // already sent by the pagehide flush
        self.waiting.splice(at, 1);
        self.inflight = item;
        return (item.statement ? self.request("POST", "statements", null, item.statement, true)
          : self.request("PUT", "activities/state", self.stateQuery(STATE_ID), item.state, true))
          .finally(function () { if (self.inflight === item) self.inflight = null; });
      }).catch(function (e) { console.error("cmi5 request failed", e); });
      return this.queue;
    },
    send: function (verb, extra, cmi5Defined) {
      return this.enqueue({statement: this.statement(verb, extra, cmi5Defined)});
    },
    save: function (suspend) {
      this.saved = {suspend: suspend, sent: this.sent};
      this.stateDoc = this.saved;
    },
    commit: function () {
      if (!this.stateDoc) return;
      var doc = this.stateDoc;
      this.stateDoc = null;
      this.enqueue({state: doc});
    },
    flush: function (terminated) {
      // A statement still in flight goes again, first: an LRS stores a resent id with the same content once
      // (xAPI 1.0.3 2.4.1), and whichever copy lands first, it is stored before `terminated`.
      var waiting = (this.inflight ? [this.inflight] : []).concat(this.waiting.splice(0)), self = this,
        state = this.stateDoc;
      var statements = waiting.filter(function (i) { return i.statement; }).map(function (i) { return i.statement; });
      waiting.forEach(function (i) { if (i.state) state = self.stateDoc || i.state; });  // the newest resume state
      this.stateDoc = null;
      if (state) this.request("PUT", "activities/state", this.stateQuery(STATE_ID), state, true).catch(function () {});
      this.request("POST", "statements", null, statements.concat([terminated]), true).catch(function () {
        // over the browser's keepalive budget: at least `terminated` must reach the LRS
        self.request("POST", "statements", null, terminated, true).catch(function () {});
      });
    },
    interaction: function (rec) {
      var q = rec.question, response = A.pattern(q, rec.response);
      var definition = {type: "http://adlnet.gov/expapi/activities/cmi.interaction", interactionType: A.interactionType(q),
                        name: {}, correctResponsesPattern: A.correctPatterns(q, rec.correctResponse)};
      definition.name[this.lang] = q.text;
      if (q.choices) definition.choices = q.choices.map(function (c) { return {id: c.id, description: {"und": c.id}}; });
      if (q.items) definition.choices = q.items.map(function (c) { return {id: c.id, description: {"und": c.text}}; });
      if (q.pairs) {
        definition.source = q.pairs.map(function (p) { return {id: p.id, description: {"und": p.source}}; });
        definition.target = q.pairs.map(function (p) { return {id: p.id, description: {"und": p.target}}; });
      }
      var result = {success: rec.correct};
      if (response !== null) result.response = response;
      this.send("answered", {object: {id: q.iri, objectType: "Activity", definition: definition}, result: result, parent: true}, false);
    },
    report: function (s) {
      var pct = Math.round(s.progress * 100);
      if (!this.normal) return;  // Browse and Review launches must not send completed/passed/failed
      if (pct > this.progress && pct < 100) {
        this.progress = pct;
        var ext = {}; ext[this.x.progress] = pct;
        this.send("progressed", {result: {extensions: ext}}, false);
      }
      var duration = A.isoDuration(A.seconds(this.started));
      if (s.completed && !this.sent.completed) {
        this.sent.completed = true;
        this.send("completed", {result: {completion: true, duration: duration}}, true);
      }
      if (s.passed !== null && !this.sent.passed && !(s.passed === false && this.sent.failed)) {
        var verb = s.passed ? "passed" : "failed", ctxExt = {};
        this.sent[verb] = true;
        if (typeof this.launch.masteryScore === "number") ctxExt[this.x.masteryScore] = this.launch.masteryScore;
        this.send(verb, {result: {success: s.passed, score: {scaled: s.scaled, raw: Math.round(s.scaled * 10000) / 100, min: 0, max: 100},
                                  duration: duration}, contextExtensions: ctxExt}, true);
      }
    },
    finish: function (done, unloading) {
      if (!this.launch) return;  // closed before the launch data arrived: no session to terminate
      var terminated = this.statement("terminated", {result: {duration: A.isoDuration(A.seconds(this.started))}}, true);
      if (unloading) return this.flush(terminated);
      this.commit();
      this.enqueue({statement: terminated});
      var back = this.launch.returnURL;
      if (back) this.queue.then(function () { window.location.assign(back); });
    }
  };
})();
