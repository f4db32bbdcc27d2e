"""The learner player after a launch: outline with progress and "continue where I left off", lessons with
previous/next navigation, quizzes of every question type with per-question feedback. Every page is scoped to the
launch's resource link: a learner reaches only the content it links to."""
from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any, Callable, Mapping

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_from_directory, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from courses.markdown import course_media_path, plain_text, render_inline, render_markdown
from courses.model import Question, Quiz
from lti_tool.i18n import content_lang
from lti_tool.identity import LaunchContext, current_learner, require_launch
from lti_tool.lti.content_choices import content_choices, opens_content, resolve
from lti_tool.lti.roles import role_flags
from lti_tool.lti.services import ServiceUnavailable, sync_roster
from lti_tool.models import Attempt, LtiMembership, LtiResourceLink, LtiUser
from lti_tool.player_state import QuizStatus, load_progress, neighbours, presentation, submitted_responses
from lti_tool.progress import (MAX_BEACON_SECONDS, AttemptsExhausted, NoContent, NotOpened, Scope, TokenOfAnotherQuiz,
                               record_lesson_time, scope_for, submit_quiz, view_lesson)
from lti_tool.reports.access import may_read_reports
from lti_tool.state import app_state

bp = Blueprint("player", __name__, url_prefix="/play")
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml"}
MAX_ANSWER_CHARS = 2000
MAX_ATTEMPT_NUMBER = 100_000
"""Beyond any real attempt number (and within every database's integer)."""
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
"""A quiz form's submission token (secrets.token_urlsafe(24) makes 32 characters)."""


@bp.app_template_global()
def reports_url(launch: Any) -> str | None:
    """Where "Reports" in the navigation leads, for a launch into a course context whose roles may read the
    reports (Instructor-like or platform administrator); None for learners and launches without a context."""
    if launch is None or getattr(launch, "context_pk", None) is None or not may_read_reports(launch):
        return None
    if launch.course_id:
        return url_for("reports.overview", context_pk=launch.context_pk, course_id=launch.course_id,
                       launch=launch.token)
    return url_for("reports.index", launch=launch.token)


@bp.app_template_filter("md_inline")
def md_inline(text: str | None) -> Markup:
    """A prompt, option, feedback or explanation as safe inline HTML (courses.markdown.render_inline)."""
    return Markup(render_inline(text or ""))


@bp.app_template_filter("md_text")
def md_text(text: str | None) -> str:
    """The same text without its Markdown, where markup cannot go (an <option>, a CSV cell)."""
    return plain_text(text or "")


def _scope() -> tuple[LaunchContext, Scope]:
    launch = current_learner()
    assert launch is not None  # require_launch ran first
    try:
        return launch, scope_for(launch, app_state().catalogue)
    except NoContent as exc:
        abort(404, description=_l("%(reason)s Open the activity from your course to choose its content.",
                                   reason=str(exc)) if launch.is_instructor
              else _l("%(reason)s Ask your instructor.", reason=str(exc)))


@bp.get("/")
@require_launch()
def start():  # type: ignore[no-untyped-def]
    """The linked content's outline; a lesson or quiz link (deep linking, or a cartridge's launch URL) opens
    that lesson or quiz directly, and one naming neither in the linked scope gets a 404 page saying so. An activity
    that opens no content yet asks its instructor to choose some, and tells its learners to come back later."""
    launch = current_learner()
    if not opens_content(launch.course_id, launch.platform_pk):
        return _not_linked(launch)
    launch, scope = _scope()
    if launch.lesson_id:
        found = next(((m, l) for m, l in scope.lessons() if l.id == launch.lesson_id), None)
        if found:
            return redirect(url_for("player.lesson", module_id=found[0].id, lesson_id=found[1].id,
                                    launch=launch.token))
        if scope.find_quiz(launch.lesson_id):
            return redirect(url_for("player.quiz", quiz_id=launch.lesson_id, launch=launch.token))
        abort(404, description=_l("The linked lesson or quiz %(item)s is not part of %(scope)s.",
                                   item=repr(launch.lesson_id),
                                   scope=(scope.module or scope.course).title.get(content_lang())))
    progress = load_progress(app_state().db, launch, scope)
    return render_template("player/outline.html", launch=launch, scope=scope, lang=content_lang(),
                           progress=progress, resume=progress.resume(scope))


def _not_linked(launch: LaunchContext) -> str:
    may_choose = launch.is_instructor and launch.resource_link_pk is not None
    return render_template("player/not_linked.html", launch=launch, may_choose=may_choose,
                           items=content_choices(content_lang(), launch.platform_pk) if may_choose else [])


@bp.post("/content")
@require_launch(role="instructor")
def choose_content():  # type: ignore[no-untyped-def]
    """The instructor's choice for an activity that opens no content yet, kept on its resource link (as deep
    linking would have set it); then on into the content. A link that already opens content is not changed."""
    launch = current_learner()
    if launch.resource_link_pk is None:
        abort(400, description=_l("This launch has no activity to choose content for."))
    choice = resolve(request.form.get("item"), content_lang(), launch.platform_pk)
    if choice is None:
        abort(400, description=_l("Pick one item from the list (unknown items are refused)."))
    with app_state().db.transaction() as session:
        link = session.get(LtiResourceLink, launch.resource_link_pk)
        if opens_content(link.course_id, launch.platform_pk):
            abort(409, description=_l("This activity already opens content; it was not changed."))
        link.course_id, link.module_id, link.lesson_id = choice.course_id, choice.module_id, choice.lesson_id
    return redirect(url_for("player.start", launch=launch.token), 303)


@bp.get("/lesson/<module_id>/<lesson_id>")
@require_launch()
def lesson(module_id: str, lesson_id: str):  # type: ignore[no-untyped-def]
    launch, scope = _scope()
    found = scope.find_lesson(module_id, lesson_id)
    if found is None:
        abort(404, description=_l("This lesson is not part of the activity you opened."))
    module, lesson_obj = found
    lang = content_lang()
    if launch.resource_link_pk is not None:
        view_lesson(app_state().db, app_state().settings, launch, scope, module, lesson_obj)
    previous, following = neighbours(scope, lesson_obj.id)
    return render_template("player/lesson.html", launch=launch, scope=scope, module=module, lesson=lesson_obj,
                           body=render_markdown(lesson_obj.body.get(lang), _media_urls(scope, lesson_obj.path.parent)),
                           lang=lang, previous=previous,
                           following=following, progress=load_progress(app_state().db, launch, scope))


def _media_urls(scope: Scope, lesson_folder: Path) -> Callable[[str], str]:
    """Lesson images as URLs of the media route (relative to the lesson file in the author's folder)."""
    def rewrite(src: str) -> str:
        relative = course_media_path(lesson_folder, scope.course.path, src)
        return url_for("player.media", course_id=scope.course.id, path=relative) if relative else ""
    return rewrite


@bp.get("/media/<course_id>/<path:path>")
def media(course_id: str, path: str):  # type: ignore[no-untyped-def]
    """An image of a course's lessons. Public like the catalogue (an image request from Moodle's iframe may
    carry no cookie); only image types, never a lesson, quiz or course file; SVG cannot run script."""
    course = app_state().catalogue.get(course_id)
    if course is None or Path(path).suffix.lower() not in MEDIA_TYPES:
        abort(404)
    response = send_from_directory(course.path, path, max_age=3600, mimetype=MEDIA_TYPES[Path(path).suffix.lower()])
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@bp.post("/lesson/<module_id>/<lesson_id>/time")
@require_launch()
def lesson_time(module_id: str, lesson_id: str):  # type: ignore[no-untyped-def]
    """The player's report of visible time on a lesson page (sendBeacon on hide/pagehide and every minute):
    `seconds` from 0 to MAX_BEACON_SECONDS; 204 when taken (credited up to the time really elapsed)."""
    launch, scope = _scope()
    found = scope.find_lesson(module_id, lesson_id)
    if found is None:
        abort(404, description=_l("This lesson is not part of the activity you opened."))
    given = request.form.get("seconds", "")
    if not (given.isascii() and given.isdigit() and len(given) <= 4 and int(given) <= MAX_BEACON_SECONDS):
        abort(400, description=_l("%(name)s: give a whole number from 0 to %(maximum)d", name="seconds",
                                   maximum=MAX_BEACON_SECONDS))
    if launch.resource_link_pk is None:
        abort(409, description=_l("This launch has no activity to record time for."))
    try:
        record_lesson_time(app_state().db, app_state().settings, launch, scope, *found, int(given))
    except NotOpened as exc:
        abort(409, description=str(exc))
    return "", 204


@bp.get("/quiz/<quiz_id>")
@require_launch()
def quiz(quiz_id: str):  # type: ignore[no-untyped-def]
    launch, scope = _scope()
    quiz_obj = _quiz(scope, quiz_id)
    return _quiz_form(launch, scope, quiz_obj, token=secrets.token_urlsafe(24), given={}, unanswered=[])


def _quiz(scope: Scope, quiz_id: str) -> Quiz:
    return scope.find_quiz(quiz_id) or abort(404, description=_l("This quiz is not part of the activity."))


def _attempt_form(launch: LaunchContext, scope: Scope, quiz_obj: Quiz) -> tuple[QuizStatus, list]:
    """The learner's status at the quiz and its questions in the order this attempt presents them."""
    status = load_progress(app_state().db, launch, scope).quiz(quiz_obj)
    return status, presentation(quiz_obj, f"{launch.user_pk}:{status.used}")


def _quiz_form(launch: LaunchContext, scope: Scope, quiz_obj: Quiz, *, token: str, given: Mapping[str, Any],
               unanswered: list[int], form: tuple[QuizStatus, list] | None = None) -> str:
    """The quiz form in the order this learner's attempt presents it, with a fresh submission token (or, when
    the learner is asked to confirm unanswered questions, their answers and the same token)."""
    status, questions = form or _attempt_form(launch, scope, quiz_obj)
    return render_template("player/quiz.html", launch=launch, scope=scope, quiz=quiz_obj, lang=content_lang(),
                           status=status, questions=questions, token=token, given=given, unanswered=unanswered)


@bp.post("/quiz/<quiz_id>")
@require_launch()
def submit(quiz_id: str):  # type: ignore[no-untyped-def]
    """POST/redirect/GET: the answers are recorded once per submission token (a reload of the result, a
    replayed or double-clicked form lands on the same result); unanswered questions are confirmed first."""
    launch, scope = _scope()
    quiz_obj = _quiz(scope, quiz_id)
    token = request.form.get("token", "")
    if not TOKEN.fullmatch(token):
        abort(400, description=_l("This quiz form is incomplete or out of date. Open the quiz again."))
    responses = parse_responses(quiz_obj, request.form)
    if request.form.get("confirm") != "1":
        status, shown = _attempt_form(launch, scope, quiz_obj)
        unanswered = [n for n, p in enumerate(shown, 1) if p.question.id not in responses]
        if unanswered and not status.exhausted:
            return _quiz_form(launch, scope, quiz_obj, token=token, given=responses, unanswered=unanswered,
                              form=(status, shown))
    try:
        submitted = submit_quiz(app_state().db, app_state().settings, launch, scope, quiz_obj, responses,
                                seconds=_int(request.form.get("seconds")), token=token)
    except AttemptsExhausted:
        abort(409, description=lazy_ngettext("You have used your %(num)d attempt at this quiz.",
                                             "You have used all %(num)d attempts at this quiz.", quiz_obj.attempts))
    except TokenOfAnotherQuiz:
        abort(409, description=_l("This form was already submitted for another quiz. Open the quiz again."))
    return redirect(url_for("player.result", quiz_id=quiz_obj.id, number=submitted.number, launch=launch.token,
                            lang=request.args.get("lang")), code=303)


@bp.get("/quiz/<quiz_id>/result/<int:number>")
@require_launch()
def result(quiz_id: str, number: int):  # type: ignore[no-untyped-def]
    """One submitted attempt's result, its questions in the order the learner saw them."""
    launch, scope = _scope()
    quiz_obj = _quiz(scope, quiz_id)
    responses = submitted_responses(app_state().db, launch, quiz_obj, number) if number <= MAX_ATTEMPT_NUMBER else None
    if responses is None:
        abort(404, description=_l("You have no such attempt at this quiz."))
    status = load_progress(app_state().db, launch, scope).quiz(quiz_obj)
    return render_template("player/result.html", launch=launch, scope=scope, quiz=quiz_obj,
                           result=quiz_obj.grade(responses), lang=content_lang(), status=status, responses=responses,
                           questions=presentation(quiz_obj, f"{launch.user_pk}:{number - 1}"), number=number)


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def parse_responses(quiz: Quiz, form: MultiDict) -> dict[str, Any]:
    """Form fields -> responses in the shapes `Quiz.grade` expects; unknown or oversized answers are dropped."""
    responses: dict[str, Any] = {}
    for question in quiz.questions:
        value = _parse_one(question, form)
        if value is not None:
            responses[question.id] = value
    return responses


def _parse_one(q: Question, form: MultiDict) -> Any:
    key = f"q-{q.id}"
    if q.type == "single":
        value = form.get(key)
        return value if value in {c.id for c in q.choices} else None
    if q.type == "multiple":
        valid = {c.id for c in q.choices}
        return [v for v in form.getlist(key) if v in valid] or None
    if q.type == "true_false":
        return {"true": True, "false": False}.get(form.get(key, ""))
    if q.type == "fill_in":
        value = form.get(key, "")
        return value[:MAX_ANSWER_CHARS] if value else None
    if q.type == "matching":
        valid = {p.id for p in q.pairs}
        chosen = {p.id: form.get(f"{key}-{p.id}") for p in q.pairs}
        return {k: v for k, v in chosen.items() if v in valid} or None
    positions = {item.id: _int(form.get(f"{key}-{item.id}")) for item in q.items}  # ordering
    if not any(positions.values()):
        return None
    return sorted(positions, key=lambda item_id: (positions[item_id] or 10**6, item_id))


@bp.get("/members")
@require_launch(role="instructor")
def members():  # type: ignore[no-untyped-def]
    """The course's members as the platform lists them (NRPS), with their progress on this link: those who
    never opened the activity are listed too."""
    launch = current_learner()
    if launch.context_pk is None:
        abort(404, description=_l("This launch has no course context."))
    notice = None
    try:
        sync_roster(current_app._get_current_object(), launch.context_pk)
    except ServiceUnavailable as exc:
        notice = f"The member list could not be refreshed from the platform: {exc}. Showing the last known list."
    with app_state().db.sessions() as session:
        rows = session.execute(
            select(LtiUser, LtiMembership, Attempt)
            .join(LtiMembership, LtiMembership.user_pk == LtiUser.id)
            .outerjoin(Attempt, (Attempt.user_pk == LtiUser.id) & (Attempt.resource_link_pk == launch.resource_link_pk))
            .where(LtiMembership.context_pk == launch.context_pk)
            .order_by(LtiUser.name, LtiUser.sub)).all()
    return render_template("player/members.html", launch=launch, rows=rows, notice=notice,
                           flags=role_flags)
