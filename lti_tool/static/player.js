// Time on a quiz: seconds from opening it to submitting it, sent with the answers (no countdown is shown).
(function () {
  "use strict";
  var form = document.querySelector("form.quiz");
  if (!form || !form.elements.seconds) return;
  var started = Date.now();
  form.addEventListener("submit", function () {
    form.elements.seconds.value = String(Math.round((Date.now() - started) / 1000));
  });
})();
