"""Every report as a `Table` of plain values: the page renders it, the CSV/XLSX exports write it."""
from __future__ import annotations

from typing import Any

from lti_tool.reports.exports import Table
from lti_tool.reports.items import ItemStats, OutcomeMastery
from lti_tool.reports.learners import LessonTime, ModuleFunnel, Overview


def percent(value: float | None) -> float | None:
    """A share as a percentage with one decimal (exports keep numbers numeric)."""
    return None if value is None else round(value * 100, 1)


def overview_table(figures: Overview) -> Table:
    return Table("overview", ("Figure", "Value"), [
        ("Enrolled", figures.enrolled), ("Not started", figures.not_started),
        ("In progress", figures.in_progress), ("Completed", figures.completed), ("Passed", figures.passed),
        ("Average score (%)", percent(figures.average_score)),
        ("Average time (minutes)", None if figures.average_seconds is None
         else round(figures.average_seconds / 60, 1))])


def funnel_table(enrolled: int, funnel: list[ModuleFunnel]) -> Table:
    return Table("modules", ("Module", "Enrolled", "Started", "Completed", "Passed quiz"),
                 [(m.title, enrolled, m.started, m.completed, m.passed) for m in funnel])


LEARNER_COLUMNS = ("Learner", "E-mail", "Institution or group", "LTI user id", "Status", "Progress (%)", "Score (%)",
                   "Passed", "Time (minutes)", "Quiz attempts", "Last activity (UTC)")


def learner_values(row: Any) -> tuple:
    return (row.name, row.email, row.institution, row.sub, row.status.replace("_", " "),
            percent(row.progress), percent(row.score), None if row.passed is None else ("yes" if row.passed else "no"),
            round(row.seconds / 60, 1), row.attempts, row.last_activity)


def learners_table(rows: list[Any]) -> Table:
    return Table("learners", LEARNER_COLUMNS, [learner_values(r) for r in rows])


def items_table(items: list[ItemStats], lang: str | None = None) -> Table:
    return Table("items", ("Quiz", "Question", "Prompt", "Responses", "Correct", "Facility", "Discrimination",
                           "Seconds per question", "Flags"),
                 [(i.quiz_id, i.question.id, i.question.prompt.get(lang), i.responses, i.correct,
                   None if i.facility is None else round(i.facility, 3),
                   None if i.discrimination is None else round(i.discrimination, 3),
                   None if i.seconds is None else round(i.seconds, 1), ", ".join(f.replace("_", " ") for f in i.flags))
                  for i in items])


def distractors_table(items: list[ItemStats]) -> Table:
    return Table("distractors", ("Quiz", "Question", "Option", "Text", "Key", "Chosen", "Chosen by upper group"),
                 [(i.quiz_id, i.question.id, o.key, o.label, "yes" if o.correct else "no", o.chosen,
                   o.chosen_by_upper) for i in items for o in i.options])


def outcomes_table(outcomes: list[OutcomeMastery]) -> Table:
    return Table("outcomes", ("Outcome", "EQF domain", "Description", "Questions", "Responses", "Correct (%)",
                              "Learners assessed", "Learners with mastery"),
                 [(o.outcome_id, o.domain, o.text, o.questions, o.responses, percent(o.rate), o.learners,
                   o.mastered) for o in outcomes])


def timeline_table(events: list) -> Table:
    return Table("timeline", ("Time (UTC)", "Verb", "What happened"), [(e.when, e.verb, e.sentence) for e in events])


def lessons_table(lessons: list[LessonTime]) -> Table:
    return Table("lessons", ("Lesson", "Module", "Visits", "Reading time (minutes)", "Last visit (UTC)"),
                 [(t.lesson_title, t.module_title, t.views, round(t.seconds / 60, 1), t.last_viewed_at)
                  for t in lessons])
