"""A small, designed data set for the reports, seeded through the LTI launch records and the progress service.

Context C1 links module m1-basics of the mini course (2 lessons + a 6-question quiz). Five learners answer the
quiz's first attempt as DESIGN below says, so every figure of the reports is computable by hand; learner F is on
the roster (NRPS) only; G learns in another context C2; an instructor of C1 has activity that must not count.
"""
from __future__ import annotations

import dataclasses
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

import pytest
from flask import current_app

from lti_tool.identity import LaunchContext, load_launch
from lti_tool.lti import claims as C
from lti_tool.lti.records import record_launch
from lti_tool.models import LtiMembership, LtiPlatform, LtiUser
from lti_tool.progress import scope_for, submit_quiz, view_lesson
from lti_tool.state import app_state
from tests.lti.support import launch_token
from tests.conftest import FIXTURE_COURSES, empty_all_tables, make_test_app

ISSUER = "https://moodle.example.org"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
SYSADMIN = "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"

RIGHT = {"q1": "a", "q2": True, "q3": ["a", "b"], "q4": {"p1": "p1", "p2": "p2"}, "q5": ["i1", "i2", "i3"],
         "q6": "33"}
WRONG = {"q1": "b", "q2": False, "q3": ["c"], "q4": {"p1": "p2", "p2": "p1"}, "q5": ["i3", "i2", "i1"],
         "q6": "12"}


def answers(right: set[str], **special: Any) -> dict[str, Any]:
    chosen = {q: (RIGHT[q] if q in right else WRONG[q]) for q in RIGHT}
    chosen.update(special)
    return chosen


# First attempts, submitted in this order: points A 4, B 3, C 3, D 2, E 2 (D before E breaks the tie).
DESIGN = {
    "A": dict(lessons=2, first=answers({"q1", "q2", "q3", "q4"})),
    "B": dict(lessons=2, first=answers({"q1", "q2", "q3"})),
    "C": dict(lessons=1, first=answers({"q1", "q2", "q6"}, q3=["a", "c"])),
    "D": dict(lessons=2, first=answers({"q2", "q6"}, q3=["a"]), second=dict(RIGHT)),
    "E": dict(lessons=0, first=answers({"q2", "q6"})),
}


@dataclass
class Seeded:
    context_pk: int
    other_context_pk: int
    launches: dict[str, LaunchContext] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)

    def url(self, who: str, path: str = "", context_pk: int | None = None, **args: str) -> str:
        query = urlencode({"launch": self.launches[who].launch_id, **args})
        return f"/reports/{context_pk or self.context_pk}/mini-course/{path}?{query}"


def launch(platform: LtiPlatform, who: str, roles: list[str], context: str = "C1", link: str = "L1",
           email: str | None = None, module: str | None = "m1-basics") -> LaunchContext:
    custom = {"course": "mini-course", **({"module": module} if module else {})}
    claims = {
        "sub": f"sub-{who}", "name": f"Learner {who}" if who not in ("I", "I2", "ADMIN") else f"Teacher {who}",
        "email": email or f"{who.lower()}@mup.gov.rs",
        C.MESSAGE_TYPE: "LtiResourceLinkRequest", C.DEPLOYMENT_ID: "dep-1", C.ROLES: roles,
        C.CONTEXT: {"id": context, "title": f"Course {context}"}, C.RESOURCE_LINK: {"id": link, "title": "Module 1"},
        C.CUSTOM: custom,
    }
    with app_state().db.transaction() as session:
        row = record_launch(session, session.merge(platform), claims)
        launch_id = row.id
    found = load_launch(launch_id)
    assert found is not None
    # The tests put `launch_id` into URLs as pages do: as a launch token (the tool refuses raw launch ids).
    return dataclasses.replace(found, launch_id=launch_token(current_app, launch_id))


def act(who: LaunchContext, lessons: int, quizzes: list[dict]) -> None:
    state = app_state()
    scope = scope_for(who, state.catalogue)
    module = scope.modules[0]
    for lesson in module.lessons[:lessons]:
        view_lesson(state.db, state.settings, who, scope, module, lesson, seconds=60)
    for responses in quizzes:
        submit_quiz(state.db, state.settings, who, scope, module.quiz, responses, seconds=120)


@pytest.fixture
def seeded(app) -> Seeded:
    with app.test_request_context():
        state = app_state()
        with state.db.transaction() as session:
            platform = LtiPlatform(issuer=ISSUER, client_id="tool", auth_login_url="https://moodle.example.org/auth",
                                   auth_token_url="https://moodle.example.org/token")
            session.add(platform)
        data = Seeded(context_pk=0, other_context_pk=0)
        data.launches["I"] = launch(platform, "I", [INSTRUCTOR])
        for who in "ABCDE":
            data.launches[who] = launch(platform, who, [LEARNER], email=f"{who.lower()}@{'mup.gov.rs' if who in 'AB' else 'kirs.gov.rs'}")
        for who in "ABCDE":
            plan = DESIGN[who]
            act(data.launches[who], plan["lessons"], [plan["first"]])
        act(data.launches["D"], 0, [DESIGN["D"]["second"]])
        act(data.launches["I"], 2, [dict(RIGHT)])  # an instructor trying the quiz is not a learner
        data.launches["I2"] = launch(platform, "I2", [INSTRUCTOR], context="C2", link="L2")
        data.launches["G"] = launch(platform, "G", [LEARNER], context="C2", link="L2")
        act(data.launches["G"], 2, [dict(RIGHT)])
        data.launches["TA"] = launch(platform, "TA", [TA])
        data.launches["ADMIN"] = launch(platform, "ADMIN", [SYSADMIN], context="C2", link="L2")
        data.context_pk = data.launches["A"].context_pk or 0
        data.other_context_pk = data.launches["G"].context_pk or 0
        with state.db.transaction() as session:  # F: on the NRPS roster, never launched
            user = LtiUser(platform_id=platform.id, sub="sub-F", name="Learner F", email="f@kirs.gov.rs")
            session.add(user)
            session.flush()
            session.add(LtiMembership(context_pk=data.context_pk, user_pk=user.id, roles=[LEARNER]))
            data.users["F"] = user.id
        data.users.update({who: l.user_pk for who, l in data.launches.items()})
    return data


@contextmanager
def app_with_course_copy(database_url: str, tmp_path: Path, change: Callable[[Path], None]) -> Iterator[Any]:
    """An app whose only course is a copy of the mini course, changed by `change(course_folder)` first, with a
    platform row; the tables are emptied afterwards as the `app` fixture does."""
    courses = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES / "mini-course", courses / "mini-course")
    change(courses / "mini-course")
    app = make_test_app(database_url, tmp_path / "instance", courses_dirs=(courses,))
    try:
        with app.test_request_context():
            with app_state().db.transaction() as session:
                platform = LtiPlatform(issuer=ISSUER, client_id="tool", auth_login_url=f"{ISSUER}/auth",
                                       auth_token_url=f"{ISSUER}/token")
                session.add(platform)
            app.platform = platform
        yield app
    finally:
        app.extensions["mirco"].db.dispose()
        empty_all_tables(database_url)
