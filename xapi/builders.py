"""Statements for what learners do in a course, built on tincan objects, returned as plain dicts.

Every statement carries: a pseudonymous actor (platform issuer + LTI `sub`) unless names are enabled, stable
activity IRIs (xapi.iris.activity_iri), the attempt's registration, and contextActivities
course -> module -> lesson (parent = the nearest container, grouping = the ones above).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Sequence

from tincan import (Activity, ActivityDefinition, Agent, AgentAccount, Context, ContextActivities, Extensions,
                    InteractionComponent, InteractionComponentList, LanguageMap, Result, Score, Statement, Verb)

from xapi.iris import activity_iri
from xapi.vocabulary import VERB_DISPLAY, ActivityType, Extension
from xapi.vocabulary import Verb as V

LangText = Mapping[str, str]


@dataclass(frozen=True)
class Learner:
    """Who acts: the LTI platform's issuer and the user's `sub`; name/email only used when allowed."""

    issuer: str
    subject: str
    name: str | None = None
    email: str | None = None


def actor(learner: Learner, *, with_names: bool = False) -> Agent:
    """Pseudonymous `account` actor; with names enabled, the mbox (if known) identifies and the name is added."""
    if with_names and learner.email:
        return Agent(mbox=f"mailto:{learner.email}", name=learner.name)
    agent = Agent(account=AgentAccount(home_page=learner.issuer, name=learner.subject))
    if with_names and learner.name:
        agent.name = learner.name
    return agent


def _duration(seconds: float | None) -> timedelta | None:
    return timedelta(seconds=seconds) if seconds is not None else None


@dataclass(frozen=True)
class Choice:
    id: str
    description: LangText


class CourseStatements:
    """Builds the statements of one attempt (registration) at one course for one learner."""

    def __init__(self, *, base_iri: str, course_id: str, registration: str, learner: Learner,
                 with_names: bool = False, course_title: LangText | None = None, language: str | None = None,
                 platform: str = "MIRCO Learning Suite") -> None:
        self.base_iri = base_iri
        self.course_id = course_id
        self.registration = registration
        self.actor = actor(learner, with_names=with_names)
        self.course_title = course_title
        self.language = language
        self.platform = platform

    # activities ------------------------------------------------------------------------------------
    def iri(self, *parts: str) -> str:
        return activity_iri(self.base_iri, self.course_id, *parts)

    def activity(self, parts: Sequence[str], activity_type: str, title: LangText | None = None,
                 **definition: Any) -> Activity:
        return Activity(id=self.iri(*parts), definition=ActivityDefinition(
            type=activity_type, name=LanguageMap(title) if title else None, **definition))

    def course(self) -> Activity:
        return Activity(id=self.iri(), definition=ActivityDefinition(
            type=ActivityType.COURSE, name=LanguageMap(self.course_title) if self.course_title else None))

    def module(self, module_id: str, title: LangText | None = None) -> Activity:
        return self.activity([module_id], ActivityType.MODULE, title)

    # statement assembly ----------------------------------------------------------------------------
    def statement(self, verb: str, obj: Activity, *, parents: Sequence[Activity] = (),
                  result: Result | None = None, extensions: Mapping[str, Any] | None = None,
                  timestamp: datetime | None = None) -> dict:
        """One statement; `parents` are the containers nearest first (parent), the rest become grouping."""
        context = Context(registration=self.registration, platform=self.platform, language=self.language)
        if parents:
            context.context_activities = ContextActivities(
                parent=[parents[0]], grouping=list(parents[1:]) or None)
        if extensions:
            context.extensions = Extensions(dict(extensions))
        statement = Statement(
            id=str(uuid.uuid4()), actor=self.actor, verb=Verb(id=verb, display=LanguageMap(VERB_DISPLAY[verb])),
            object=obj, context=context, result=result,
            timestamp=timestamp or datetime.now(timezone.utc))
        built = statement.as_version("1.0.3")
        built.pop("version", None)  # the LRS sets the version it accepted the statement with
        return built

    def _lesson(self, module_id: str, lesson_id: str, title: LangText | None) -> tuple[Activity, list[Activity]]:
        return (self.activity([module_id, lesson_id], ActivityType.LESSON, title),
                [self.module(module_id), self.course()])

    # course events ---------------------------------------------------------------------------------
    def lesson_experienced(self, module_id: str, lesson_id: str, *, title: LangText | None = None,
                           seconds: float | None = None) -> dict:
        lesson, parents = self._lesson(module_id, lesson_id, title)
        result = Result(duration=_duration(seconds)) if seconds is not None else None
        return self.statement(V.EXPERIENCED, lesson, parents=parents, result=result)

    def lesson_progressed(self, module_id: str, lesson_id: str, progress: int, *,
                          title: LangText | None = None) -> dict:
        """`progressed` with the cmi5 progress extension (0-100)."""
        lesson, parents = self._lesson(module_id, lesson_id, title)
        result = Result(extensions=Extensions({Extension.PROGRESS: max(0, min(100, int(progress)))}))
        return self.statement(V.PROGRESSED, lesson, parents=parents, result=result)

    def question_answered(self, module_id: str, quiz_id: str, question_id: str, *, interaction_type: str,
                          response: str, success: bool | None = None, prompt: LangText | None = None,
                          correct_responses: Sequence[str] | None = None,
                          choices: Sequence[Choice] = (), seconds: float | None = None) -> dict:
        """`answered` on a cmi.interaction activity, with the response in SCORM/xAPI response format."""
        components = {}
        if choices:
            key = "scale" if interaction_type == "likert" else "choices"
            components[key] = InteractionComponentList(
                [InteractionComponent(id=c.id, description=LanguageMap(c.description)) for c in choices])
        question = self.activity(
            [module_id, quiz_id, question_id], ActivityType.CMI_INTERACTION, None,
            description=LanguageMap(prompt) if prompt else None, interaction_type=interaction_type,
            correct_responses_pattern=list(correct_responses) if correct_responses is not None else None,
            **components)
        quiz = self.activity([module_id, quiz_id], ActivityType.ASSESSMENT)
        result = Result(response=response, success=success,
                        duration=_duration(seconds))
        return self.statement(V.ANSWERED, question, parents=[quiz, self.module(module_id), self.course()],
                              result=result)

    def quiz_finished(self, module_id: str, quiz_id: str, *, raw: float, maximum: float, passing_scaled: float,
                      title: LangText | None = None, seconds: float | None = None) -> dict:
        """`passed` or `failed` (decided by the scaled score against the passing score) with the score."""
        scaled = round(raw / maximum, 4) if maximum else 0.0
        passed = scaled >= passing_scaled
        quiz = self.activity([module_id, quiz_id], ActivityType.ASSESSMENT, title)
        result = Result(score=Score(scaled=scaled, raw=raw, min=0, max=maximum), success=passed, completion=True,
                        duration=_duration(seconds))
        return self.statement(V.PASSED if passed else V.FAILED, quiz,
                              parents=[self.module(module_id), self.course()], result=result,
                              extensions={Extension.MASTERY_SCORE: passing_scaled})

    def module_completed(self, module_id: str, *, title: LangText | None = None,
                         seconds: float | None = None) -> dict:
        result = Result(completion=True, duration=_duration(seconds))
        return self.statement(V.COMPLETED, self.module(module_id, title), parents=[self.course()], result=result)

    def course_completed(self, *, seconds: float | None = None) -> dict:
        result = Result(completion=True, duration=_duration(seconds))
        return self.statement(V.COMPLETED, self.course(), result=result)

    def session_event(self, verb: str, *, module_id: str | None = None, seconds: float | None = None) -> dict:
        """initialized / suspended / resumed / terminated on the course (or one module of it)."""
        if verb not in (V.INITIALIZED, V.SUSPENDED, V.RESUMED, V.TERMINATED, V.LAUNCHED):
            raise ValueError(f"not a session verb: {verb}")
        obj = self.module(module_id) if module_id else self.course()
        parents = [self.course()] if module_id else []
        result = Result(duration=_duration(seconds)) if seconds is not None else None
        return self.statement(verb, obj, parents=parents, result=result)


def since(start: datetime) -> float:
    """Seconds from `start` to now, for `seconds=` arguments."""
    return (datetime.now(timezone.utc) - start) / timedelta(seconds=1)
