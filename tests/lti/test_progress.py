"""The learner progress service: one call per action, one transaction (progress + xAPI statements + outbox)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

import lti_tool.progress as progress
from lti_tool.identity import load_launch
from lti_tool.models import Attempt, LessonView, OutboxMessage, QuizAttempt, QuizResponse
from lti_tool.state import app_state
from tests.lti.support import launch_claims, launch_id_in, login, sign
from xapi import storage
from xapi.vocabulary import Verb

ISS = "https://platform.example"
AGS = {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score",
                 "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"],
       "lineitems": "https://platform.example/ags/lineitems"}


def launched(app, **claims):  # type: ignore[no-untyped-def]
    client = app.test_client()
    answer = login(client, ISS, "client-1")
    token = sign(launch_claims(ISS, "client-1", answer.nonce, **{
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": AGS, **claims}))
    response = client.post("/lti/launch", data={"id_token": token, "state": answer.state})
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        launch = load_launch(launch_id_in(app, response.location))
        return launch, progress.scope_for(launch, app_state(app).catalogue)


def counts(app) -> dict[str, int]:
    with app_state(app).db.sessions() as session:
        tables = {"attempt": Attempt, "lesson_view": LessonView, "quiz_attempt": QuizAttempt,
                  "quiz_response": QuizResponse, "outbox": OutboxMessage}
        found = {name: session.scalar(select(func.count()).select_from(model)) for name, model in tables.items()}
        found["statements"] = session.scalar(select(func.count()).select_from(storage.statement))
        return found


def verbs(app) -> list[str]:
    with app_state(app).db.sessions() as session:
        return list(session.scalars(select(storage.statement.c.verb_id).order_by(storage.statement.c.seq)))


def test_lesson_view_records_progress_and_statement(tool_app):
    launch, scope = launched(tool_app)
    state = app_state(tool_app)
    module, lesson = scope.lessons()[0]
    attempt = progress.view_lesson(state.db, state.settings, launch, scope, module, lesson, seconds=30)
    progress.view_lesson(state.db, state.settings, launch, scope, module, lesson, seconds=10**9)
    assert counts(tool_app) == {"attempt": 1, "lesson_view": 1, "quiz_attempt": 0, "quiz_response": 0,
                                "outbox": 0, "statements": 2}
    assert verbs(tool_app) == [Verb.EXPERIENCED, Verb.EXPERIENCED]
    with state.db.sessions() as session:
        view = session.scalars(select(LessonView)).one()
        assert view.views == 2 and view.seconds == 30 + progress.MAX_SECONDS_PER_ACTION
        assert 0 < session.get(Attempt, attempt.id).progress < 1
        bodies = [json.loads(body) for body in session.scalars(select(storage.statement.c.body))]
    lrs_home = state.settings.base_url.rstrip("/") + "/xapi"
    assert {json.dumps(b["authority"], sort_keys=True) for b in bodies} == {json.dumps(
        {"objectType": "Agent", "name": "MIRCO Learning Suite", "account": {"homePage": lrs_home, "name": "mirco"}},
        sort_keys=True)}, "the tool vouches for its statements as an account of its own LRS"


def test_quiz_submission_keeps_responses_statements_and_queues_the_score(tool_app):
    launch, scope = launched(tool_app)
    state = app_state(tool_app)
    quiz = scope.find_quiz("m1-quiz")
    result, attempt, _ = progress.submit_quiz(state.db, state.settings, launch, scope, quiz,
                                           {"q1": "a", "q2": True, "q6": "33"})
    assert result.passed
    found = counts(tool_app)
    assert found["quiz_attempt"] == 1 and found["quiz_response"] == len(quiz.questions)
    assert found["outbox"] == 1 and found["statements"] == len(quiz.questions) + 1
    assert verbs(tool_app).count(Verb.ANSWERED) == len(quiz.questions) and Verb.PASSED in verbs(tool_app)
    with state.db.sessions() as session:
        score = session.scalars(select(OutboxMessage)).one().payload["score"]
    assert score["userId"] == "learner-1" and score["activityProgress"] == "InProgress"
    assert score["scoreMaximum"] == 100 and 0 < score["scoreGiven"] < 100


def test_completing_the_linked_module_sends_completed(tool_app):
    launch, scope = launched(tool_app, **{"https://purl.imsglobal.org/spec/lti/claim/custom":
                                          {"course": "mini-course", "module": "m1-basics"}})
    state = app_state(tool_app)
    for module, lesson in scope.lessons():
        progress.view_lesson(state.db, state.settings, launch, scope, module, lesson)
    answers = {q.id: q.correct_response() for q in scope.find_quiz("m1-quiz").questions}
    progress.submit_quiz(state.db, state.settings, launch, scope, scope.find_quiz("m1-quiz"), answers)
    with state.db.sessions() as session:
        attempt = session.scalars(select(Attempt)).one()
        assert attempt.completed_at is not None and attempt.progress == 1.0 and attempt.score_scaled == 1.0
        score = session.scalars(select(OutboxMessage)).one().payload["score"]
    assert score == {**score, "scoreGiven": 100.0, "activityProgress": "Completed", "gradingProgress": "FullyGraded"}
    assert Verb.COMPLETED in verbs(tool_app)


def test_failed_statement_store_leaves_nothing_behind(tool_app, monkeypatch):
    launch, scope = launched(tool_app)
    state = app_state(tool_app)
    before = counts(tool_app)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("LRS write failed")

    monkeypatch.setattr(progress, "store_statements", broken)
    with pytest.raises(RuntimeError):
        progress.submit_quiz(state.db, state.settings, launch, scope, scope.find_quiz("m1-quiz"), {"q1": "a"})
    with pytest.raises(RuntimeError):
        module, lesson = scope.lessons()[0]
        progress.view_lesson(state.db, state.settings, launch, scope, module, lesson)
    assert counts(tool_app) == before


def test_attempts_are_limited_by_the_quiz(tool_app):
    launch, scope = launched(tool_app)
    state = app_state(tool_app)
    quiz = scope.find_quiz("m1-quiz")
    for _ in range(quiz.attempts):
        progress.submit_quiz(state.db, state.settings, launch, scope, quiz, {})
    before = counts(tool_app)
    with pytest.raises(progress.AttemptsExhausted):
        progress.submit_quiz(state.db, state.settings, launch, scope, quiz, {})
    assert counts(tool_app) == before


def test_link_without_content_is_no_content(tool_app):
    with pytest.raises(progress.NoContent):  # launched() asks for the scope of the link
        launched(tool_app, **{"https://purl.imsglobal.org/spec/lti/claim/custom": {"course": "nope"}})
