/* MIRCO package player: one core for SCORM 1.2, SCORM 2004 and cmi5. It renders the lessons and quizzes of one
   SCO, keeps the learner's state and talks to the LMS only through an adapter (adapter-*.js) with the methods
   start() -> {suspend, location, mastery}, save(suspend, location), interaction(record), report(status),
   commit(), finish(done). No network access except what the cmi5 adapter does to the launching LMS. */
(function () {
  "use strict";
  var C = window.MIRCO_CONTENT, L = C.labels;
  var sco, pages, state = {v: 1, at: 0, seen: "", quiz: {}};
  var adapter, packed = "", mastery = null, main, nav, statusLine, finished = false;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "html") node.innerHTML = attrs[k];  // sanitized at export time (courses.markdown)
      else if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  /* ---- resume state: compact JSON, deflated and base64-encoded to stay within the suspend_data limit ---- */
  function b64(bytes) { var s = ""; bytes.forEach(function (b) { s += String.fromCharCode(b); }); return btoa(s); }
  async function pack(obj) {
    var json = JSON.stringify(obj);
    if (!window.CompressionStream) return "j" + json;
    var stream = new Blob([json]).stream().pipeThrough(new CompressionStream("deflate-raw"));
    return "z" + b64(new Uint8Array(await new Response(stream).arrayBuffer()));
  }
  async function unpack(text) {
    if (!text) return null;
    if (text[0] === "j") return JSON.parse(text.slice(1));
    var bytes = Uint8Array.from(atob(text.slice(1)), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return JSON.parse(await new Response(stream).text());
  }
  async function persist() {
    if (finished) return;  // after Terminate / LMSFinish / cmi5 "terminated" nothing more may reach the LMS
    var text = await pack(state);
    if (text.length > C.suspendLimit) {  // drop per-question detail first: scores and attempts matter more
      var lean = JSON.parse(JSON.stringify(state));
      Object.keys(lean.quiz).forEach(function (k) { delete lean.quiz[k].ok; });
      text = await pack(lean);
    }
    if (text.length <= C.suspendLimit) packed = text;
    adapter.save(packed, String(state.at));
    adapter.commit();
  }

  /* ---- grading: the same rules as courses.model.Question.is_correct ---- */
  function norm(text, cs) { text = String(text).normalize("NFC").trim().split(/\s+/).join(" "); return cs ? text : text.toLocaleLowerCase(); }
  function correctResponse(q) {
    switch (q.type) {
      case "single": return q.choices.filter(function (c) { return c.correct; })[0].id;
      case "multiple": return q.choices.filter(function (c) { return c.correct; }).map(function (c) { return c.id; });
      case "true_false": return q.answer;
      case "matching": var m = {}; q.pairs.forEach(function (p) { m[p.id] = p.id; }); return m;
      case "ordering": return q.items.map(function (i) { return i.id; });
      default: return q.answers[0];
    }
  }
  function isCorrect(q, r) {
    if (r === undefined || r === null) return false;
    var want = correctResponse(q);
    switch (q.type) {
      case "multiple": return r.length === want.length && want.every(function (id) { return r.indexOf(id) >= 0; });
      case "matching": return Object.keys(want).every(function (k) { return r[k] === want[k]; });
      case "ordering": return r.join(",") === want.join(",");
      case "fill_in": return q.answers.some(function (a) { return norm(a, q.caseSensitive) === norm(r, q.caseSensitive); });
      default: return r === want;
    }
  }

  /* ---- progress and status ---- */
  function seen(i) { return state.seen.charAt(i) === "1"; }
  function markSeen(i) {
    while (state.seen.length < sco.lessons.length) state.seen += "0";
    state.seen = state.seen.slice(0, i) + "1" + state.seen.slice(i + 1);
  }
  function quizState(quiz) { return state.quiz[quiz.id] || (state.quiz[quiz.id] = {n: 0, pts: 0, pass: false}); }
  function passingOf(quiz) { return sco.quizzes.length === 1 && mastery !== null ? mastery * 100 : quiz.passing; }
  function status() {
    var read = sco.lessons.filter(function (l, i) { return seen(i); }).length;
    var tried = sco.quizzes.filter(function (q) { return quizState(q).n > 0; });
    var passed = sco.quizzes.length ? sco.quizzes.every(function (q) { return quizState(q).pass; }) : null;
    var out = sco.quizzes.filter(function (q) {
      var s = quizState(q); return q.attempts > 0 && s.n >= q.attempts && !s.pass;
    }).length > 0;
    var units = sco.lessons.length + sco.quizzes.length;
    var done = read + tried.length;
    var max = sco.quizzes.reduce(function (a, q) { return a + q.maxPoints; }, 0);
    var pts = sco.quizzes.reduce(function (a, q) { return a + quizState(q).pts; }, 0);
    return {
      completed: done === units, progress: units ? Math.round(done * 100 / units) / 100 : 1,
      passed: tried.length === 0 ? null : (passed ? true : (out || tried.length === sco.quizzes.length ? false : null)),
      scaled: max && tried.length ? Math.round(pts * 10000 / max) / 10000 : null, hasQuiz: sco.quizzes.length > 0,
      outcomes: outcomeStatus()
    };
  }
  function outcomeStatus() {  // per learning outcome: points won on the questions that assess it
    return sco.outcomes.map(function (o) {
      var got = 0, max = 0;
      sco.quizzes.forEach(function (quiz) {
        var right = quizState(quiz).ok || {};
        quiz.questions.forEach(function (q) {
          if (q.outcomes.indexOf(o.id) >= 0) { max += q.points; if (right[q.id]) got += q.points; }
        });
      });
      var readAll = sco.lessons.every(function (l, i) { return l.outcomes.indexOf(o.id) < 0 || seen(i); });
      return {id: o.id, iri: o.iri, completed: readAll, scaled: max ? Math.round(got * 10000 / max) / 10000 : null};
    });
  }
  function report() {
    if (finished) return Promise.resolve();
    var s = status();
    adapter.report(s);
    statusLine.textContent = (s.completed ? L.done + ". " : "") + (s.scaled !== null ? L.score + ": " +
      Math.round(s.scaled * 100) + "%" + (s.passed === true ? " · " + L.passed : s.passed === false ? " · " + L.failed : "") : "");
    return persist();
  }

  /* ---- pages ---- */
  function renderNav() {
    nav.innerHTML = "";
    nav.appendChild(el("h2", {text: L.contents}));
    var list = el("ol");
    pages.forEach(function (p, i) {
      var mark = p.kind === "lesson" ? (seen(i) ? " ✓" : "") : (quizState(p.item).pass ? " ✓" : "");
      list.appendChild(el("li", {}, [el("a", {href: "#", "data-page": String(i),
        "aria-current": i === state.at ? "page" : "false", text: p.item.title + mark,
        onclick: function (e) { e.preventDefault(); show(i); }})]));
    });
    nav.appendChild(list);
  }
  function show(i) {
    state.at = Math.max(0, Math.min(i, pages.length - 1));
    var page = pages[state.at];
    main.innerHTML = "";
    main.appendChild(el("h1", {text: page.item.title, tabindex: "-1"}));
    if (page.kind === "lesson") {
      markSeen(state.at);
      main.appendChild(el("article", {html: page.item.html, lang: C.lang}));
    } else {
      main.appendChild(renderQuiz(page.item));
    }
    var bar = el("div", {"class": "pager"});
    if (state.at > 0) bar.appendChild(el("button", {type: "button", text: L.previous, onclick: function () { show(state.at - 1); }}));
    if (state.at < pages.length - 1) bar.appendChild(el("button", {type: "button", "class": "next", text: L.next, onclick: function () { show(state.at + 1); }}));
    main.appendChild(bar);
    renderNav();
    main.querySelector("h1").focus();
    report();
  }

  /* ---- quizzes: the six question types ---- */
  function shuffled(list, seed) {  // deterministic per question, never the authored order when it can differ
    var out = list.slice(), n = out.length, h = 0;
    for (var k = 0; k < seed.length; k++) h = (h * 31 + seed.charCodeAt(k)) >>> 0;
    for (var i = n - 1; i > 0; i--) { h = (h * 1103515245 + 12345) >>> 0; var j = h % (i + 1); var t = out[i]; out[i] = out[j]; out[j] = t; }
    if (n > 1 && out.every(function (x, i) { return x === list[i]; })) out.push(out.shift());
    return out;
  }
  function field(q, name) {
    var box = el("fieldset", {"class": "question q-" + q.type, "data-question": q.id}, [el("legend", {html: q.prompt})]);
    var opt = function (type, value, labelHtml) {
      return el("label", {"class": "option"}, [el("input", {type: type, name: name, value: value}), el("span", {html: labelHtml})]);
    };
    if (q.type === "single" || q.type === "multiple") {
      q.choices.forEach(function (c) { box.appendChild(opt(q.type === "single" ? "radio" : "checkbox", c.id, c.text)); });
    } else if (q.type === "true_false") {
      box.appendChild(opt("radio", "true", L["true"])); box.appendChild(opt("radio", "false", L["false"]));
    } else if (q.type === "matching") {
      var targets = shuffled(q.pairs, q.id);
      q.pairs.forEach(function (p) {
        var select = el("select", {name: name + "." + p.id, "data-source": p.id}, [el("option", {value: "", text: L.choose})]
          .concat(targets.map(function (t) { return el("option", {value: t.id, text: t.target}); })));
        box.appendChild(el("label", {"class": "pair"}, [el("span", {text: p.source}), select]));
      });
    } else if (q.type === "ordering") {
      var list = el("ol", {"class": "order"});
      shuffled(q.items, q.id).forEach(function (item) {
        var move = function (dir) { return function () {
          var li = this.closest("li"), other = dir < 0 ? li.previousElementSibling : li.nextElementSibling;
          if (other) list.insertBefore(li, dir < 0 ? other : other.nextElementSibling);
        }; };
        list.appendChild(el("li", {"data-item": item.id}, [el("span", {text: item.text}),
          el("button", {type: "button", "aria-label": L.moveUp + ": " + item.text, text: "↑", onclick: move(-1)}),
          el("button", {type: "button", "aria-label": L.moveDown + ": " + item.text, text: "↓", onclick: move(1)})]));
      });
      box.appendChild(list);
    } else {
      box.appendChild(el("input", {type: "text", name: name, maxlength: "250", "aria-label": q.text}));
    }
    return box;
  }
  function responseOf(q, box, name) {
    var checked = [].map.call(box.querySelectorAll("input[name='" + name + "']:checked"), function (i) { return i.value; });
    switch (q.type) {
      case "single": return checked[0] || null;
      case "multiple": return checked;
      case "true_false": return checked.length ? checked[0] === "true" : null;
      case "matching": var m = {}; box.querySelectorAll("select").forEach(function (s) { if (s.value) m[s.getAttribute("data-source")] = s.value; }); return m;
      case "ordering": return [].map.call(box.querySelectorAll("li"), function (li) { return li.getAttribute("data-item"); });
      default: var v = box.querySelector("input").value; return v.trim() ? v : null;
    }
  }
  function renderQuiz(quiz) {
    var qs = quizState(quiz), left = quiz.attempts > 0 ? quiz.attempts - qs.n : Infinity;
    var form = el("form", {"class": "quiz", novalidate: "novalidate"});
    if (qs.n > 0) form.appendChild(el("p", {"class": "result", role: "status", text: L.score + ": " +
      Math.round(qs.pts * 100 / quiz.maxPoints) + "% · " + (qs.pass ? L.passed : L.failed)}));
    if (left <= 0 || qs.pass) {
      if (!qs.pass) form.appendChild(el("p", {text: L.noAttempts}));
      return form;
    }
    var order = quiz.shuffle ? shuffled(quiz.questions, quiz.id + qs.n) : quiz.questions;
    var boxes = order.map(function (q, i) { var box = field(q, "q" + i); form.appendChild(box); return box; });
    if (left !== Infinity) form.appendChild(el("p", {text: L.attemptsLeft + ": " + left}));
    form.appendChild(el("button", {type: "submit", "class": "submit", text: L.submit}));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var responses = {};
      order.forEach(function (q, i) { responses[q.id] = responseOf(q, boxes[i], "q" + i); });
      submit(quiz, responses, form, order, boxes);
    });
    return form;
  }
  function submit(quiz, responses, form, order, boxes) {
    var qs = quizState(quiz), pts = 0, ok = {};
    quiz.questions.forEach(function (q) {
      var right = isCorrect(q, responses[q.id]);
      ok[q.id] = right; if (right) pts += q.points;
      adapter.interaction({quiz: quiz, question: q, response: responses[q.id], correct: right,
                           correctResponse: correctResponse(q)});
    });
    qs.n += 1;
    if (pts >= qs.pts) { qs.pts = pts; qs.ok = ok; }
    qs.pass = qs.pass || pts * 100 >= passingOf(quiz) * quiz.maxPoints;
    order.forEach(function (q, i) {
      boxes[i].classList.add(ok[q.id] ? "is-correct" : "is-incorrect");
      boxes[i].appendChild(el("div", {"class": "feedback", role: "note"}, [
        el("strong", {text: ok[q.id] ? L.correct : L.incorrect}), el("div", {html: q.explanation})]));
      boxes[i].querySelectorAll("input,select,button").forEach(function (c) { c.disabled = true; });
    });
    form.querySelector(".submit").remove();
    form.insertBefore(el("p", {"class": "result", role: "status", text: L.score + ": " +
      Math.round(pts * 100 / quiz.maxPoints) + "% · " + (pts * 100 >= passingOf(quiz) * quiz.maxPoints ? L.passed : L.failed)}),
      form.firstChild);
    var left = quiz.attempts > 0 ? quiz.attempts - qs.n : Infinity;
    if (!qs.pass && left > 0) form.appendChild(el("button", {type: "button", "class": "retry", text: L.retry, onclick: function () { show(state.at); }}));
    renderNav();
    report();
  }

  /* ---- lifecycle: commit on every status change and every 30 s; finish on pagehide, never in unload ---- */
  function finish(event) {
    if (finished) return;
    finished = true;
    adapter.save(packed, String(state.at));
    adapter.finish(status().completed && status().passed !== false, !!event && event.type === "pagehide");
  }
  async function boot() {
    sco = C.scos[document.body.getAttribute("data-sco")];
    pages = sco.lessons.map(function (l) { return {kind: "lesson", item: l}; })
      .concat(sco.quizzes.map(function (q) { return {kind: "quiz", item: q}; }));
    var name = C.format;
    adapter = (window.MIRCO_ADAPTERS[name] && window.MIRCO_ADAPTERS[name].available()) ? window.MIRCO_ADAPTERS[name]
      : window.MIRCO_ADAPTERS.local;
    adapter.init(C, sco);
    var resumed = await adapter.start();
    mastery = resumed.mastery;
    try { var saved = await unpack(resumed.suspend); if (saved && saved.v === 1) state = saved; } catch (e) { /* corrupt resume data: start afresh */ }
    document.documentElement.lang = C.lang;
    document.title = sco.title;
    nav = document.getElementById("nav"); main = document.getElementById("main"); statusLine = document.getElementById("status");
    document.getElementById("exit").textContent = L.exit;
    document.getElementById("exit").addEventListener("click", function () {
      persist().then(function () {
        finish(); main.innerHTML = ""; main.appendChild(el("p", {role: "status", text: L.closed}));
        document.body.setAttribute("data-finished", "true");
      });
    });
    window.addEventListener("pagehide", finish);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") persist(); });
    setInterval(function () { if (!finished) adapter.commit(); }, 30000);
    show(state.at);
    document.body.setAttribute("data-ready", "true");
  }
  window.MIRCO_ADAPTERS = window.MIRCO_ADAPTERS || {};
  window.MIRCO_PLAYER = {isCorrect: isCorrect, correctResponse: correctResponse, pack: pack, unpack: unpack};
  document.addEventListener("DOMContentLoaded", boot);
})();
