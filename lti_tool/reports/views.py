"""/reports: the trainers' pages and exports. Every page needs a launch with an Instructor-like role (403 for
learners) and answers only for contexts that launch may read (404 for others); bad parameters get a 400."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import wraps
from typing import Any, Callable

from flask import (Blueprint, Response, abort, current_app, g, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import format_decimal, format_percent, gettext as _, lazy_gettext as _l
from markupsafe import Markup

from lti_tool.i18n import content_lang
from lti_tool.identity import LaunchContext, current_learner, require_launch
from lti_tool.reports import charts, items as item_queries, learners as learner_queries, tables, timeline
from lti_tool.reports.access import ContextRow, may_read_reports, readable_contexts, require_context
from lti_tool.reports.exports import XLSX_TYPE, Table, to_csv, to_xlsx
from lti_tool.reports.filters import (ITEMS_PER_PAGE, SORT_KEYS, STATUSES, BadFilter, LearnerFilter,
                                     parse_filter, parse_item_order)
from lti_tool.reports.roster import fresh_roster
from lti_tool.reports.scope import ReportScope, course_ids_in_context, report_scope
from lti_tool.state import app_state

bp = Blueprint("reports", __name__, url_prefix="/reports")
COURSE_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")
MAX_ID = 2**31 - 1  # primary keys are 32-bit integers; larger numbers name nobody (and overflow drivers)
TABLES = ("overview", "modules", "learners", "items", "distractors", "outcomes", "timeline", "lessons")


def trainer_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """`require_launch` (401 without a launch), then 403 unless the launch may read reports."""
    @wraps(view)
    @require_launch()
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        launch = current_learner()
        if launch is None or not may_read_reports(launch):
            abort(403, description=_l("The reports are for the course's instructors only."))
        return view(*args, **kwargs)

    return wrapper


def _launch() -> LaunchContext:
    launch = current_learner()
    assert launch is not None  # trainer_only ran first
    return launch


def _scope(context_pk: int, course_id: str) -> tuple[ContextRow, ReportScope]:
    if not COURSE_ID.fullmatch(course_id):
        abort(404, description=_l("There is no such curriculum."))
    state = app_state()
    with state.db.sessions() as session:
        context = require_context(session, _launch(), context_pk)
        scope = report_scope(session, state.catalogue, context_pk, course_id)
    if scope is None:
        abort(404, description=_l("No activity of this course opens that curriculum."))
    g.roster = fresh_roster(current_app._get_current_object(), context_pk)  # type: ignore[attr-defined]
    return context, scope


def _lang(scope: ReportScope) -> str:
    """The language the trainer reads the pages in (lti_tool.i18n: ?lang=, their choice, the launch's locale):
    course, module, lesson and question texts are asked for in it, as the page's own words are."""
    return content_lang()


def _filter() -> LearnerFilter:
    try:
        return parse_filter(request.args)
    except BadFilter as exc:
        abort(400, description=exc.args[0])  # lazy: translated on the error page


def _page(template: str, context: ContextRow, scope: ReportScope, **values: Any) -> str:
    return render_template(f"reports/{template}", context=context, scope=scope, launch=_launch(),
                           lang=_lang(scope), roster=g.roster, **values)


@bp.get("/")
@trainer_only
def index():  # type: ignore[no-untyped-def]
    """The contexts and curricula this launch may report on; straight to the overview when there is one."""
    launch = _launch()
    with app_state().db.sessions() as session:
        contexts = [(c, course_ids_in_context(session, c.pk)) for c in readable_contexts(session, launch)]
    choices = [(c, course_id) for c, course_ids in contexts for course_id in course_ids
               if app_state().catalogue.get(course_id)]
    if len(choices) == 1:
        context, course_id = choices[0]
        return redirect(url_for("reports.overview", context_pk=context.pk, course_id=course_id,
                                launch=launch.token))
    return render_template("reports/index.html", choices=choices, catalogue=app_state().catalogue,
                           launch=launch)


@bp.get("/<int:context_pk>/<course_id>/")
@trainer_only
def overview(context_pk: int, course_id: str):  # type: ignore[no-untyped-def]
    context, scope = _scope(context_pk, course_id)
    with app_state().db.sessions() as session:
        figures = learner_queries.overview(session, scope)
        funnel = learner_queries.module_funnel(session, scope, _lang(scope))
    status_chart = charts.bar_chart([charts.Group(label, [charts.Bar(value, format_decimal(value))])
                                     for label, value in (
        (_("Not started"), figures.not_started), (_("In progress"), figures.in_progress),
        (_("Completed"), figures.completed), (_("Passed"), figures.passed))], [_("Learners")], figures.enrolled)
    funnel_chart = charts.bar_chart(
        [charts.Group(m.title, [None if value is None else charts.Bar(value, format_decimal(value))
                                for value in (m.started, m.completed, m.passed)]) for m in funnel],
        [_("Started"), _("Completed"), _("Passed quiz")], figures.enrolled)
    return _page("overview.html", context, scope, figures=figures, funnel=funnel,
                 overview_table=tables.overview_table(figures),
                 funnel_table=tables.funnel_table(figures.enrolled, funnel),
                 status_chart=status_chart, funnel_chart=funnel_chart)


@bp.get("/<int:context_pk>/<course_id>/learners")
@trainer_only
def learners(context_pk: int, course_id: str):  # type: ignore[no-untyped-def]
    context, scope = _scope(context_pk, course_id)
    selection = _filter()
    with app_state().db.sessions() as session:
        page = learner_queries.learner_page(session, scope, selection)
        institutions = learner_queries.institutions(session, scope)
    return _page("learners.html", context, scope, page=page, selection=selection, institutions=institutions,
                 sort_keys=SORT_KEYS, statuses=STATUSES, pages=max(1, -(-page.total // selection.limit)))


@bp.get("/<int:context_pk>/<course_id>/learners/<int:user_pk>")
@trainer_only
def learner(context_pk: int, course_id: str, user_pk: int):  # type: ignore[no-untyped-def]
    context, scope = _scope(context_pk, course_id)
    with app_state().db.sessions() as session:
        row = learner_queries.learner_in_context(session, scope, user_pk) if user_pk <= MAX_ID else None
        if row is None:
            abort(404, description=_l("This person is not a learner of the course."))
        events = timeline.timeline(session, scope, user_pk, _lang(scope))
        lessons = learner_queries.lesson_times(session, scope, user_pk, _lang(scope))
    return _page("learner.html", context, scope, row=row, events=events,
                 summary=tables.learners_table([row]), timeline_table=tables.timeline_table(events),
                 lessons_table=tables.lessons_table(lessons))


@bp.get("/<int:context_pk>/<course_id>/items")
@trainer_only
def items(context_pk: int, course_id: str):  # type: ignore[no-untyped-def]
    """One row per question, sortable, a page of ITEMS_PER_PAGE at a time; options open in place."""
    context, scope = _scope(context_pk, course_id)
    try:
        order = parse_item_order(request.args)
    except BadFilter as exc:
        abort(400, description=exc.args[0])
    stats = _item_stats(scope)
    pages = max(1, -(-len(stats) // ITEMS_PER_PAGE))
    order = replace(order, page=min(order.page, pages))  # past the last page (an old link): the last page
    shown = item_queries.sort_items(stats, order.sort, order.descending)[
        (order.page - 1) * ITEMS_PER_PAGE:order.page * ITEMS_PER_PAGE]
    return _page("items.html", context, scope, stats=shown, total=len(stats), order=order, pages=pages,
                 too_easy=item_queries.TOO_EASY,
                 too_hard=item_queries.TOO_HARD, **_item_charts(stats))


def _item_charts(stats: list[item_queries.ItemStats]) -> dict[str, Any]:
    """How many questions fall in each band of facility and of discrimination: two short charts, whatever the
    number of questions, each with the table a screen reader reads instead."""
    legend = [_("Number of questions")]
    facility = item_queries.band_counts([s.facility for s in stats], item_queries.FACILITY_BANDS)
    facility_labels = [_("below %(high)s: too hard", high=format_decimal(item_queries.TOO_HARD)),
                       _("%(low)s to %(high)s", low=format_decimal(item_queries.TOO_HARD), high=format_decimal(0.5)),
                       _("%(low)s to %(high)s", low=format_decimal(0.5), high=format_decimal(item_queries.TOO_EASY)),
                       _("above %(low)s: too easy", low=format_decimal(item_queries.TOO_EASY)),
                       _("no answers yet")]
    discrimination = item_queries.band_counts([s.discrimination for s in stats], item_queries.DISCRIMINATION_BANDS)
    discrimination_labels = [_("below 0: misleading"),
                             _("%(low)s to %(high)s: weak", low=format_decimal(0), high=format_decimal(0.2)),
                             _("%(low)s to %(high)s: fair", low=format_decimal(0.2), high=format_decimal(0.3)),
                             _("%(low)s and above: good", low=format_decimal(0.3)), _("no value")]

    def chart(name: str, labels: list[str], counts: list[int]) -> tuple[Markup, Table]:
        rows = [(label, count) for label, count in zip(labels, counts)]
        return (charts.bar_chart([charts.Group(label, [charts.Bar(count, format_decimal(count))])
                                  for label, count in rows], legend, len(stats) or 1),
                Table(name, (_("Band"), _("Number of questions")), rows))

    facility_chart, facility_table = chart("facility", facility_labels, facility)
    discrimination_chart, discrimination_table = chart("discrimination", discrimination_labels, discrimination)
    return dict(facility_chart=facility_chart, facility_table=facility_table,
                discrimination_chart=discrimination_chart, discrimination_table=discrimination_table)


def _item_stats(scope: ReportScope) -> list[item_queries.ItemStats]:
    with app_state().db.sessions() as session:
        return item_queries.item_analysis(session, scope, _lang(scope))


@bp.get("/<int:context_pk>/<course_id>/outcomes")
@trainer_only
def outcomes(context_pk: int, course_id: str):  # type: ignore[no-untyped-def]
    context, scope = _scope(context_pk, course_id)
    with app_state().db.sessions() as session:
        mastery = item_queries.outcome_mastery(session, scope, _lang(scope))
    mastery_chart = charts.bar_chart(
        [charts.Group(f"{o.outcome_id} ({tables.domain_label(o.domain)}): {o.text}",
                      [None if o.rate is None else charts.Bar(o.rate, format_percent(o.rate))]) for o in mastery],
        [_("Correct answers")], 1.0)
    return _page("outcomes.html", context, scope, mastery=mastery, outcomes_table=tables.outcomes_table(mastery),
                 mastery_chart=mastery_chart, threshold=round(item_queries.MASTERY * 100))


def _table(scope: ReportScope, name: str) -> Table:
    lang = _lang(scope)
    with app_state().db.sessions() as session:
        if name in ("overview", "modules"):
            figures = learner_queries.overview(session, scope)
            if name == "overview":
                return tables.overview_table(figures)
            return tables.funnel_table(figures.enrolled, learner_queries.module_funnel(session, scope, lang))
        if name == "learners":
            return tables.learners_table(learner_queries.learner_page(session, scope, _filter().everything()).rows)
        if name == "outcomes":
            return tables.outcomes_table(item_queries.outcome_mastery(session, scope, lang))
        if name in ("timeline", "lessons"):
            given = request.args.get("user", "")
            user_pk = int(given) if given.isascii() and given.isdigit() and len(given) <= 10 else MAX_ID + 1
            if user_pk > MAX_ID or learner_queries.learner_in_context(session, scope, user_pk) is None:
                abort(400, description=_l("%(name)s: give the number of a learner of this course", name="user"))
            if name == "lessons":
                return tables.lessons_table(learner_queries.lesson_times(session, scope, user_pk, lang))
            return tables.timeline_table(timeline.timeline(session, scope, user_pk, lang))
    stats = _item_stats(scope)
    return tables.items_table(stats, lang) if name == "items" else tables.distractors_table(stats)


@bp.get("/<int:context_pk>/<course_id>/export/<name>.<fmt>")
@trainer_only
def export(context_pk: int, course_id: str, name: str, fmt: str):  # type: ignore[no-untyped-def]
    """`<table>.csv` or `<table>.xlsx` for every table; learners and statements follow the page's filters."""
    _, scope = _scope(context_pk, course_id)
    if name == "statements" and fmt == "ndjson":
        return _statements(scope)
    if name not in TABLES or fmt not in ("csv", "xlsx"):
        abort(404, description=_l("Exports: %(tables)s as .csv or .xlsx, statements as .ndjson.",
                                    tables=", ".join(TABLES)))
    table = _table(scope, name)
    filename = f"{scope.course.id}-{context_pk}-{name}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        return Response("\ufeff" + to_csv(table), mimetype="text/csv", headers=headers)
    return Response(to_xlsx(table), mimetype=XLSX_TYPE, headers=headers)


def _statements(scope: ReportScope) -> Response:
    """The xAPI statements of the selected learners (the learner table's filters), streamed as NDJSON."""
    selection = _filter().everything()
    state = app_state()
    with state.db.sessions() as session:
        user_pks = [r.user_pk for r in learner_queries.learner_page(session, scope, selection).rows]

    def lines():  # type: ignore[no-untyped-def]
        with state.db.sessions() as session:
            yield from timeline.ndjson_lines(session, scope, user_pks)

    filename = f"{scope.course.id}-{scope.context_pk}-statements.ndjson"
    return Response(stream_with_context(lines()), mimetype="application/x-ndjson",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
