/* Injected by the tool at the top of every HTML page of an imported SCORM package, which runs sandboxed in an
   opaque origin: defines the SCORM run-time API (window.API or window.API_1484_11) in the page itself as
   scorm-again's CrossFrameAPI, which talks to the player (the parent frame) over postMessage only.
   CrossFrameAPI answers GetValue from a cache it refreshes asynchronously; the player hands the cache's first
   state over in the frame's name (window.name is the only thing a parent can give a cross-origin frame before
   the page's scripts run), and each page passes it on to the next one in the same frame. */
(function () {
  "use strict";
  var me = document.currentScript;
  var SEED = "mirco-cmi:";
  if (!me || window.parent === window || typeof CrossFrameAPI !== "function") return;  // opened on its own
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
  if (me.getAttribute("data-version") === "scorm12") window.API = api; else window.API_1484_11 = api;
})();
