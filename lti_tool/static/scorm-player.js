/* The LMS side of an imported SCORM package: one scorm-again runtime per SCO session, created before the SCO
   loads in the frame, committing to the tool (which turns the CMI data into xAPI statements and the grade).
   Which SCO opens is the server's decision (SCORM 2004 sequencing): the menu, the Continue / Previous buttons
   and the SCO's own adl.nav.request all become navigation requests to /scorm/session.
   The SCO runs in a sandboxed frame (an opaque origin): it reaches the runtime only through postMessage, answered
   by scorm-again's CrossFrameLMS after the guard below has checked who sent the message and what it is. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("scorm-config").textContent);
  var frame = document.getElementById("sco-frame");
  var status = document.getElementById("scorm-status");
  var current = null;      // the SCO (primary key) in the frame
  var pendingNav = null;   // adl.nav.request the SCO set before Terminate
  var leaving = false;     // the player itself is unloading the SCO (menu, buttons): ignore its nav request
  var bridge = null;       // the CrossFrameLMS serving the current SCO's runtime
  var runtime = null;      // its scorm-again API
  var SEED = "mirco-cmi:"; // scorm-content-bridge.js reads the runtime's first state from its frame's name
  var sessionStart = 0;    // when the current SCO initialised its session
  var timeReported = false; // it set its session time itself
  var MAX_VALUE = 65536;   // the longest SCORM 2004 value (suspend_data: 64000 characters)

  function wellFormed(data) {  // a CrossFrameAPI call: {messageId, method, params: [strings or numbers]}
    if (!data || typeof data !== "object" || typeof data.messageId !== "string" || !data.messageId ||
        data.messageId.length > 100 || typeof data.method !== "string") return false;
    if (data.isHeartbeat !== undefined) return data.isHeartbeat === true && data.method === "__heartbeat__";
    if (!CrossFrameLMS.ALLOWED_METHODS.has(data.method) || !Array.isArray(data.params) || data.params.length > 2)
      return false;
    return data.params.every(function (p) {
      return (typeof p === "string" && p.length <= MAX_VALUE) || (typeof p === "number" && isFinite(p));
    });
  }
  /* Before CrossFrameLMS (registered later, at the same target): only the frame's current document, sandboxed
     (origin "null", or the content origin MIRCO_CONTENT_ORIGIN), with a well-formed call, reaches the runtime;
     anything else is dropped here. */
  window.addEventListener("message", function (event) {
    if (event.source === frame.contentWindow && event.origin === config.contentOrigin && bridge &&
        wellFormed(event.data)) return;
    event.stopImmediatePropagation();
  }, true);

  function seedOf(api) {  // what CrossFrameAPI answers before its first round trip: the loaded CMI, and counts
    var flat = api.getFlattenedCMI(), seed = {}, counts = {};
    Object.keys(flat).forEach(function (key) {
      if (typeof flat[key] === "string") seed[key] = flat[key];
      var item = /^(cmi\.(?:objectives|interactions|comments_from_learner|comments_from_lms))\.(\d+)\./.exec(key);
      if (item) counts[item[1]] = Math.max(counts[item[1]] || 0, Number(item[2]) + 1);
    });
    ["cmi.objectives", "cmi.interactions", "cmi.comments_from_learner"].forEach(function (list) {
      seed[list + "._count"] = String(counts[list] || 0);
    });
    if (config.version === "scorm12") seed["cmi.core.total_time"] = api.cmi.core.total_time;  // not flattened
    delete seed["cmi.core.session_time"]; delete seed["cmi.session_time"];  // write-only
    return seed;
  }

  /* scorm-again loads an object's elements in the order of its keys, and checks each against those set before it (an
     interaction's response against its type, an objective's status against its id); the tool's JSON comes with
     sorted keys, so `id` and `type` go first here. */
  function idFirst(node) {
    if (!node || typeof node !== "object") return node;
    var ordered = {};
    ["id", "type"].concat(Object.keys(node)).forEach(function (key) {
      if (Object.prototype.hasOwnProperty.call(node, key) && !(key in ordered)) ordered[key] = idFirst(node[key]);
    });
    return ordered;
  }

  function say(text) { status.textContent = text || ""; }

  /* The player leaves a SCO that has not finished itself: what the SCO says while it unloads comes from a
     document that is gone (no source to check: dropped), so the runtime ends the session here, suspended, with
     everything the SCO had set (its place and suspend_data are kept for the next session) and, when the SCO did
     not report it, the session's time as the player measured it (the LMS adds it to the attempt's total_time). */
  function finishRuntime() {
    if (!runtime || !runtime.isInitialized() || runtime.isTerminated()) return;
    var seconds = Math.max(0, (Date.now() - sessionStart) / 1000);  // the SCO's own report, if any, wins
    if (config.version === "scorm12") {
      if (!timeReported) runtime.LMSSetValue("cmi.core.session_time", hms(seconds));
      runtime.LMSSetValue("cmi.core.exit", "suspend");
      runtime.LMSFinish("");
    } else {
      if (!timeReported) runtime.SetValue("cmi.session_time", "PT" + seconds.toFixed(2) + "S");
      runtime.SetValue("cmi.exit", "suspend");
      runtime.Terminate("");
    }
  }

  function hms(seconds) {  // SCORM 1.2 CMITimespan, HHHH:MM:SS.SS
    var pad = function (n, width) { return String(n).padStart(width, "0"); };
    return pad(Math.floor(seconds / 3600), 4) + ":" + pad(Math.floor(seconds / 60) % 60, 2) + ":" +
           (seconds % 60).toFixed(2).padStart(5, "0");
  }

  function blank() {  // let the current SCO unload (its session ended by finishRuntime) before the next one starts
    return new Promise(function (done) {
      if (frame.getAttribute("src") === "about:blank") return done();
      leaving = true;
      finishRuntime();
      frame.addEventListener("load", function () { leaving = false; done(); }, {once: true});
      frame.src = "about:blank";
    });
  }

  function showMenu(menu) {
    if (!menu) return;
    document.querySelectorAll("[data-sco]").forEach(function (b) {
      var state = menu[b.getAttribute("data-sco")] || "enabled";
      b.disabled = state !== "enabled";
      b.closest("li").hidden = state === "hidden";
    });
  }

  async function request(nav, target, fresh) {
    await blank();
    var asked = {nav: nav, target: target, from: current};
    var url = config.sessionUrl.replace("/session/0", "/session/" + (target || 0)) + "&nav=" + encodeURIComponent(nav) +
              (current ? "&from=" + current : "") + (fresh ? "&attempt=new" : "");
    var answer = await fetch(url, {method: "POST"});
    var body = await answer.json().catch(function () { return {error: answer.statusText}; });
    if (!answer.ok) { say(body.error); return; }
    showMenu(body.menu);
    if (!body.attempt) {
      if (body.ownWindowSco) { offerOwnWindow(body.ownWindowSco); return; }
      say(body.ended ? (nav === "suspendAll" ? status.dataset.suspended : status.dataset.ended) : body.reason);
      if (body.ended) current = null;
      return;
    }
    say("");
    if (body.review) offerNewAttempt(asked);
    current = body.sco;
    pendingNav = null;
    if (config.version === "cmi5") {  // the AU talks to the LRS itself; the tool reads its statements back
      if (bridge) { bridge.destroy(); bridge = null; }
      markCurrent();
      if (body.ownWindow) {  // cmi5 launchMethod OwnWindow: not in a frame; the AU returns here (returnURL)
        var opened = window.open(body.url, "_blank");  // still within the click's activation (fetch is quick)
        if (opened) {
          opened.opener = null;
          offerOwnWindow(body.sco);  // to open it again later: a new session, asked for by a click
        } else {  // blocked anyway: a link the learner follows opens it
          status.replaceChildren(Object.assign(document.createElement("a"), {
            href: body.url, target: "_blank", rel: "noopener", textContent: status.dataset.ownwindow}));
        }
        return;
      }
      frame.src = body.url;
      return;
    }
    var settings = {lmsCommitUrl: body.commitUrl, autocommit: true, autocommitSeconds: 20,
                    dataCommitFormat: "json", terminateCommitParam: "terminate", logLevel: 4};
    var api = config.version === "scorm12" ? new Scorm12API(settings) : new Scorm2004API(settings);
    try {
      api.loadFromJSON(idFirst(body.cmi), "");
    } catch (e) {  // a value the runtime refuses: the session starts from what loaded before it
      console.warn("scorm-again refused part of the saved run-time data", e);
    }
    if (bridge) bridge.destroy();
    runtime = api;
    bridge = new CrossFrameLMS(api, "*", {rateLimit: 5000});  // "*": a sandboxed frame's origin cannot be named
    var fresh = frame.cloneNode(false);  // a frame's name is read when it is created: a new frame per session
    fresh.name = SEED + JSON.stringify(seedOf(api));
    frame.replaceWith(fresh);
    frame = fresh;
    sessionStart = Date.now();
    timeReported = false;
    api.on(config.version === "scorm12" ? "LMSInitialize" : "Initialize", function () { sessionStart = Date.now(); });
    api.on(config.version === "scorm12" ? "LMSSetValue.cmi.core.session_time" : "SetValue.cmi.session_time",
           function () { timeReported = true; });
    if (config.version !== "scorm12") {
      api.on("SetValue.adl.nav.request", function (element, value) { pendingNav = value; });
      api.on("Terminate", function () {
        var nav = pendingNav;
        if (leaving || !nav || nav === "_none_") return;
        setTimeout(async function () {  // after the terminating commit has reached the tool
          if (api.whenCommitsSettled) await api.whenCommitsSettled({timeoutMs: 4000});
          request(nav, null);  // as the SCO set it ({target=ID}choice too): the tool reads and decides it
        }, 0);
      });
    }
    markCurrent();
    frame.src = body.url;
  }

  function offerOwnWindow(sco) {  // the AU opens, and its session starts, when the learner asks
    var button = Object.assign(document.createElement("button"), {type: "button",
                                                                  textContent: status.dataset.ownwindow});
    button.addEventListener("click", function () { request("choice", sco); });
    status.replaceChildren(button);
  }

  function offerNewAttempt(asked) {  // a finished attempt opened for review: a new one when the learner asks,
    var button = Object.assign(document.createElement("button"), {type: "button",  // by the same request
                                                                  textContent: status.dataset.newattempt});
    button.addEventListener("click", function () { current = asked.from; request(asked.nav, asked.target, true); });
    status.replaceChildren(document.createTextNode(status.dataset.review + " "), button);
  }

  function markCurrent() {
    document.querySelectorAll("[data-sco]").forEach(function (b) {
      b.setAttribute("aria-current", String(Number(b.getAttribute("data-sco")) === current));
    });
  }

  function sync() {  // cmi5: moveOn, `satisfied` and the grade follow from the statements in the LRS
    return fetch(config.syncUrl, {method: "POST", keepalive: true}).catch(function () {});
  }
  if (config.syncUrl) {  // when the player loads (below), when the AU is left, and when the page goes away
    frame.addEventListener("load", function () { if (frame.src.indexOf("about:blank") === 0 || !current) sync(); });
    window.addEventListener("pagehide", function () { navigator.sendBeacon(config.syncUrl); });
  }

  /* The whole page goes away (tab closed): the SCO's own Terminate, a message posted while it unloads, would
     arrive after this page has gone; end the session here with what the runtime holds (suspended). */
  window.addEventListener("pagehide", function () { leaving = true; finishRuntime(); });

  document.querySelectorAll("[data-sco]").forEach(function (button) {
    button.addEventListener("click", function () { request("choice", Number(button.getAttribute("data-sco"))); });
  });
  document.querySelectorAll("[data-nav]").forEach(function (button) {
    button.addEventListener("click", function () { request(button.getAttribute("data-nav"), null); });
  });
  (config.syncUrl ? sync() : Promise.resolve()).then(function () { request("start", null); });
})();
