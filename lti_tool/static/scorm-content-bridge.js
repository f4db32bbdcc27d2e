/* Injected by the tool at the top of every HTML page of an imported SCORM package, which runs sandboxed in an
   opaque origin: defines the SCORM run-time API (window.API or window.API_1484_11) in the page itself as
   scorm-again's CrossFrameAPI, which talks to the player (the parent frame) over postMessage only.
   CrossFrameAPI answers GetValue from a cache it refreshes asynchronously; the player hands the cache's first
   state over in the frame's name (window.name is the only thing a parent can give a cross-origin frame before
   the page's scripts run), and each page passes it on to the next one in the same frame. On a content origin of
   its own the player frames a page of that origin that holds the API and frames the SCO (SCORM's API discovery
   starts at the SCO's parent): the SCO's pages then use that API and define none of their own. */
(function () {
  "use strict";
  var me = document.currentScript;
  var SEED = "mirco-cmi:";
  if (!me || window.parent === window || typeof CrossFrameAPI !== "function") return;  // opened on its own
  try {  // a SCO framed by the page that holds the API (on a content origin of its own): it finds the API there
    if (window.parent.API_1484_11 || window.parent.API) return;
  } catch (e) { /* the parent is the player (another origin): this page holds the API */ }
  var api = new CrossFrameAPI(me.getAttribute("data-origin"), window.parent, {timeout: 10000});
  if (window.name.indexOf(SEED) === 0) {
    try {
      var seed = JSON.parse(window.name.slice(SEED.length));
      Object.keys(seed).forEach(function (key) { api._cache.set(key, String(seed[key])); });
    } catch (e) { /* not ours: start from an empty cache */ }
  }
  window.addEventListener("pagehide", function () {  // the next page of this SCO starts where this one stopped
    var state = {};
    api._cache.forEach(function (value, key) { if (key.indexOf("cmi.") === 0) state[key] = value; });
    try { window.name = SEED + JSON.stringify(state); } catch (e) { /* too large: the next page refreshes it */ }
  });
  var scorm12 = me.getAttribute("data-version") === "scorm12";
  var runtime = {};  // the API the SCO sees: CrossFrameAPI's, with the counts of CMI arrays kept current
  (scorm12 ? ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSGetLastError",
              "LMSGetErrorString", "LMSGetDiagnostic"]
           : ["Initialize", "Terminate", "GetValue", "SetValue", "Commit", "GetLastError", "GetErrorString",
              "GetDiagnostic"]).forEach(function (name) {
    runtime[name] = function () { return api[name].apply(api, arguments); };
  });
  var setter = scorm12 ? "LMSSetValue" : "SetValue";
  /* CrossFrameAPI caches what the SCO sets, not the `_count` it implies until its next round trip: a SCO that
     appends at `cmi.interactions._count` (as the SCORM books advise) would write every entry at the same index. */
  runtime[setter] = function (element, value) {
    var result = api[setter](element, value);
    var path = String(element), found, list = /\.(\d+)\./g;
    while (String(result) === "true" && (found = list.exec(path)) !== null) {
      var key = path.slice(0, found.index) + "._count";
      if (Number(found[1]) + 1 > Number(api._cache.get(key) || 0)) api._cache.set(key, String(Number(found[1]) + 1));
      list.lastIndex = found.index + 1;
    }
    return result;
  };
  if (scorm12) window.API = runtime; else window.API_1484_11 = runtime;
})();
