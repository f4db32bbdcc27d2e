/* The LMS side of an imported SCORM package: one scorm-again runtime per SCO session, created before the SCO
   loads in the frame, committing to the tool (which turns the CMI data into xAPI statements and the grade). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("scorm-config").textContent);
  var frame = document.getElementById("sco-frame");

  function blank() {  // let the current SCO unload (and finish with its own runtime) before the next one starts
    return new Promise(function (done) {
      if (!frame.contentWindow || frame.contentWindow.location.href === "about:blank") return done();
      frame.addEventListener("load", function () { done(); }, {once: true});
      frame.src = "about:blank";
    });
  }

  async function open(sco) {
    await blank();
    var answer = await fetch(config.sessionUrl.replace("/session/0", "/session/" + sco.id), {method: "POST"});
    if (!answer.ok) { frame.replaceWith(Object.assign(document.createElement("p"), {textContent: (await answer.json()).error})); return; }
    var session = await answer.json();
    var settings = {lmsCommitUrl: session.commitUrl, autocommit: true, autocommitSeconds: 20,
                    dataCommitFormat: "json", terminateCommitParam: "terminate", logLevel: 4};
    window.API = undefined; window.API_1484_11 = undefined;
    var api = config.version === "scorm12" ? new Scorm12API(settings) : new Scorm2004API(settings);
    api.loadFromJSON(session.cmi, "");
    if (config.version === "scorm12") window.API = api; else window.API_1484_11 = api;
    document.querySelectorAll("[data-sco]").forEach(function (b) {
      b.setAttribute("aria-current", String(Number(b.getAttribute("data-sco")) === sco.id));
    });
    frame.src = sco.url;
  }

  document.querySelectorAll("[data-sco]").forEach(function (button) {
    button.addEventListener("click", function () {
      var id = Number(button.getAttribute("data-sco"));
      open(config.scos.filter(function (s) { return s.id === id; })[0]);
    });
  });
  if (config.scos.length) open(config.scos[0]);
})();
