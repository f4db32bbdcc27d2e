"""Every report as a `Table` of plain values: the page renders it, the CSV/XLSX exports write it.

Headings, and the words among the values (status, yes/no, item flags), are translated when the table is built (in
the request's language), so that page and exports carry the same words; names, numbers and dates stay as they are.
The machine values behind those words (`in_progress`, `too_easy` ...) stay untranslated in filters and URLs.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from courses.markdown import plain_text
from lti_tool.i18n import OUTCOME_DOMAINS
from lti_tool.reports.exports import Table
from lti_tool.reports.items import ItemStats, OutcomeMastery
from lti_tool.reports.learners import LessonTime, ModuleFunnel, Overview


def percent(value: float | None) -> float | None:
    """A share as a percentage with one decimal (exports keep numbers numeric)."""
    return None if value is None else round(value * 100, 1)


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def status_label(status: str) -> str:
    """A learner's status (`not_started`, `in_progress`, `completed`) as shown; the same words as the filter's."""
    labels = {"not_started": _("not started"), "in_progress": _("in progress"), "completed": _("completed")}
    return labels.get(status, status.replace("_", " "))


def flag_label(flag: str) -> str:
    """An item flag (`too_easy`, `too_hard`, `misleading`) as shown."""
    labels = {"too_easy": _("too easy"), "too_hard": _("too hard"), "misleading": _("misleading")}
    return labels.get(flag, flag.replace("_", " "))


def domain_label(domain: str) -> str:
    """An EQF domain (`knowledge`, `skills`, `responsibility`) as the course pages name it."""
    return str(OUTCOME_DOMAINS.get(domain, domain))


def overview_table(figures: Overview) -> Table:
    return Table("overview", (_("Figure"), _("Value")), [
        (_("Enrolled"), figures.enrolled), (_("Not started"), figures.not_started),
        (_("In progress"), figures.in_progress), (_("Completed"), figures.completed), (_("Passed"), figures.passed),
        (_("Average score on the quizzes taken (%)"), percent(figures.average_score)),
        (_("Average time (minutes)"), None if figures.average_seconds is None
         else round(figures.average_seconds / 60, 1))])


def funnel_table(enrolled: int, funnel: list[ModuleFunnel]) -> Table:
    return Table("modules", (_("Module"), _("Enrolled"), _("Started"), _("Completed"), _("Passed quiz")),
                 [(m.title, enrolled, m.started, m.completed, m.passed) for m in funnel])


def learner_values(row: Any) -> tuple:
    return (row.name, row.email, row.institution, row.sub, status_label(row.status),
            percent(row.progress), percent(row.score), None if row.passed is None else yes_no(row.passed),
            round(row.seconds / 60, 1), row.attempts, row.last_activity)


def learners_table(rows: list[Any]) -> Table:
    return Table("learners", (_("Learner"), _("E-mail"), _("Institution or group"), _("LTI user id"), _("Status"),
                              _("Progress (%)"), _("Score (%)"), _("Passed"), _("Time (minutes)"),
                              _("Quiz attempts"), _("Last activity (UTC)")),
                 [learner_values(r) for r in rows])


def items_table(items: list[ItemStats], lang: str | None = None) -> Table:
    return Table("items", (_("Quiz"), _("Question"), _("Prompt"), _("Responses"), _("Correct"), _("Facility"),
                           _("Discrimination"), _("Seconds per question"), _("Flags")),
                 [(i.quiz_id, i.question.id, plain_text(i.question.prompt.get(lang)), i.responses, i.correct,
                   None if i.facility is None else round(i.facility, 3),
                   None if i.discrimination is None else round(i.discrimination, 3),
                   None if i.seconds is None else round(i.seconds, 1), ", ".join(flag_label(f) for f in i.flags))
                  for i in items])


def distractors_table(items: list[ItemStats]) -> Table:
    return Table("distractors", (_("Quiz"), _("Question"), _("Option"), _("Text"), _("Key"), _("Chosen"),
                                 _("Chosen by the top group")),
                 [(i.quiz_id, i.question.id, o.key, o.label, yes_no(o.correct), o.chosen,
                   o.chosen_by_upper) for i in items for o in i.options])


def outcomes_table(outcomes: list[OutcomeMastery]) -> Table:
    return Table("outcomes", (_("Outcome"), _("EQF domain"), _("Description"), _("Questions"), _("Responses"),
                              _("Correct (%)"), _("Learners assessed"), _("Learners with mastery")),
                 [(o.outcome_id, domain_label(o.domain), o.text, o.questions, o.responses, percent(o.rate), o.learners,
                   o.mastered) for o in outcomes])


def timeline_table(events: list) -> Table:
    return Table("timeline", (_("Time (UTC)"), _("Verb"), _("What happened")),
                 [(e.when, e.verb, e.sentence) for e in events])


def lessons_table(lessons: list[LessonTime]) -> Table:
    return Table("lessons", (_("Lesson"), _("Module"), _("Visits"), _("Reading time (minutes)"),
                             _("Last visit (UTC)")),
                 [(t.lesson_title, t.module_title, t.views, round(t.seconds / 60, 1), t.last_viewed_at)
                  for t in lessons])
