"""Own weight of each page type (HTML + CSS + JS, without course media), plain and gzipped, in every complete
language, with the sample curricula. The player pages are rendered for a stand-in launch (no platform needed).
Prints figures; the browser tests assert the 150 KB budget.

    .venv/bin/python bench/page_weight.py
"""
from __future__ import annotations

import logging
import gzip
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import render_template  # noqa: E402

from courses.markdown import render_markdown  # noqa: E402
from lti_tool import create_app  # noqa: E402
from lti_tool.i18n import LANGUAGES, content_lang  # noqa: E402
from lti_tool.migrate import upgrade  # noqa: E402
from lti_tool.player_state import LearnerProgress, QuizStatus, neighbours, presentation  # noqa: E402
from lti_tool.progress import Scope  # noqa: E402


def player_pages(app, course) -> dict[str, callable]:  # type: ignore[valid-type]
    scope = Scope(course=course, module=None)
    module, lesson = scope.lessons()[-1]
    quiz = next(iter(scope.quizzes()))
    launch = SimpleNamespace(launch_id="x" * 32, token="t" * 100, context_title="Course", is_instructor=False)
    progress = LearnerProgress(progress=0.5, viewed=frozenset(l.id for _, l in scope.lessons()[:2]),
                               last_lesson=scope.lessons()[1][1].id)
    previous, following = neighbours(scope, lesson.id)
    return {
        "player outline": lambda: render_template("player/outline.html", launch=launch, scope=scope,
                                                  lang=content_lang(), progress=progress,
                                                  resume=progress.resume(scope)),
        "player lesson": lambda: render_template("player/lesson.html", launch=launch, scope=scope, module=module,
                                                 lesson=lesson, body=render_markdown(lesson.body.get(content_lang())),
                                                 lang=content_lang(), previous=previous, following=following,
                                                 progress=progress),
        "player quiz": lambda: render_template("player/quiz.html", launch=launch, scope=scope, quiz=quiz,
                                               lang=content_lang(), status=QuizStatus(allowed=quiz.attempts),
                                               questions=presentation(quiz, "bench")),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"instance_path": Path(folder), "database_url": f"sqlite:///{folder}/bench.sqlite3",
                          "courses_dirs": (ROOT / "sample_courses",)})
        upgrade(app.extensions["mirco"].db.engine)
        logging.getLogger("mirco.access").setLevel(logging.WARNING)  # one line per request hides the figures
        client = app.test_client()
        css = client.get("/static/mirco.css").data
        js = client.get("/static/player.js").data
        course = next(iter(app.extensions["mirco"].catalogue))
        resource = course.library[0]
        public = {"catalogue": "/", "course detail": f"/courses/{course.id}", "library": "/library",
                  "library detail": f"/library/{course.id}/{resource.id}"}
        print(f"stylesheet {len(css)} B ({len(gzip.compress(css))} B gzipped); player.js {len(js)} B (quiz only)")
        print(f"{'page':<16}{'lang':<12}{'HTML B':>9}{'gzip B':>9}{'+CSS+JS KB':>12}")
        for language in (l for l in LANGUAGES if l.complete):
            rows = {name: client.get(f"{path}?lang={language.tag}").data for name, path in public.items()}
            with app.test_request_context(f"/play/?lang={language.tag}"):
                rows.update({name: render().encode() for name, render in player_pages(app, course).items()})
            for name, html in rows.items():
                total = len(html) + len(css) + (len(js) if name == "player quiz" else 0)
                print(f"{name:<16}{language.tag:<12}{len(html):>9}{len(gzip.compress(html)):>9}{total / 1024:>12.1f}")
        app.extensions["mirco"].db.dispose()


if __name__ == "__main__":
    main()
