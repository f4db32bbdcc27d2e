"""Trainers' reports benchmark: p50/p95 of every report page with many learners and statements stored.

Seeds one LTI context (bulk inserts: roster, attempts, lesson views, quiz attempts and responses, and xAPI
statements with their index rows, shaped as lti_tool.progress and xapi.service write them), then requests each
report page through the real application (Flask test client: routing, access checks, SQL, templates) as an
instructor. Prints figures, asserts nothing. `cpu p50` is this process's CPU time per request (the whole work on
SQLite, the tool's share on PostgreSQL): on a busy machine it shows how much of the wall time is waiting.

    .venv/bin/python bench/reports_bench.py                  # --small: 200 learners, 20,000 statements
    .venv/bin/python bench/reports_bench.py --full           # 1,000 learners, 500,000 statements
    .venv/bin/python bench/reports_bench.py --full --backends postgresql --repeat 40
"""
from __future__ import annotations

import argparse
import logging
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from courses.model import Course, Question  # noqa: E402
from lti_tool import create_app  # noqa: E402
from lti_tool import launch_tokens  # noqa: E402
from lti_tool.launch_tokens import TokenKind  # noqa: E402
from lti_tool.db import make_engine  # noqa: E402
from lti_tool.migrate import upgrade  # noqa: E402
from lti_tool.models import (Attempt, LessonView, LtiContext, LtiDeployment, LtiLaunch, LtiMembership,  # noqa: E402
                             LtiPlatform, LtiResourceLink, LtiUser, QuizAttempt, QuizResponse)
from lti_tool.reports.timeline import attempt_registration  # noqa: E402
from xapi import storage  # noqa: E402
from tests.conftest import drop_postgres_database, fresh_postgres_database  # noqa: E402 - same databases as tests
from xapi.iris import activity_iri  # noqa: E402

ISSUER = "https://moodle.example.org"
BASE_IRI = "https://mirco.example.org/xapi/activities"
COURSE = "migration-governance"
LEARNER_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
VERBS = {"experienced": "http://adlnet.gov/expapi/verbs/experienced",
         "answered": "http://adlnet.gov/expapi/verbs/answered",
         "progressed": "http://adlnet.gov/expapi/verbs/progressed"}
CHUNK = 5000


def chunks(rows: list[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def response_for(question: Question, right: bool, rng: random.Random) -> Any:
    """A plausible response: the key when right, else a wrong option (or a wrong text)."""
    if right:
        return question.correct_response()
    if question.type == "single":
        return rng.choice([c.id for c in question.choices if not c.correct] or ["none"])
    if question.type == "multiple":
        return [c.id for c in question.choices if not c.correct][:1] or []
    if question.type == "true_false":
        return not question.answer
    if question.type == "ordering":
        return list(reversed(question.correct_response()))
    return "wrong"


class Seeder:
    def __init__(self, engine: Any, course: Course, learners: int, statements: int, seed: int = 11) -> None:
        self.engine, self.course, self.rng = engine, course, random.Random(seed)
        self.learners, self.statements = learners, statements
        self.start = datetime(2026, 9, 1, tzinfo=timezone.utc)

    def run(self) -> tuple[str, int]:
        """Seed everything; return (the instructor's launch id, the context pk)."""
        lessons = [(m.id, lesson.id) for m in self.course.modules for lesson in m.lessons]
        quizzes = list(self.course.quizzes())
        users, members, attempts, views, quiz_rows, responses = [], [], [], [], [], []
        actions: list[tuple[int, str, list[tuple[str, dict]]]] = []  # (learner, registration, statements)
        response_id = quiz_id = view_id = 0
        for i in range(1, self.learners + 2):
            instructor = i == self.learners + 1
            domain = ("mup.gov.rs", "kirs.gov.rs", "mfa.gov.mk", "asylum.gov.al")[i % 4]
            users.append({"id": i, "platform_id": 1, "sub": f"sub-{i}", "name": f"Learner {i:04d}",
                          "email": f"learner{i}@{domain}"})
            members.append({"context_pk": 1, "user_pk": i, "roles": [INSTRUCTOR_ROLE if instructor else LEARNER_ROLE],
                            "status": "Active", "synced_at": self.start,  # half named by the launch (section)
                            "institution": None if i % 2 else f"Group {i % 10}"})
            if instructor or self.rng.random() < 0.1:
                continue  # 10 % never start
            ability = self.rng.uniform(0.25, 0.95)
            seen = lessons[:max(1, round(len(lessons) * min(1.0, ability + 0.3)))]
            when = self.start + timedelta(days=self.rng.randint(0, 80), seconds=self.rng.randint(0, 86_000))
            registration = attempt_registration(ISSUER, i)
            statements: list[tuple[str, dict]] = []
            seconds = 0
            for module_id, lesson_id in seen:
                view_id += 1
                spent = self.rng.randint(60, 900)
                seconds += spent
                views.append({"id": view_id, "attempt_id": i, "module_id": module_id, "lesson_id": lesson_id,
                              "first_viewed_at": when, "last_viewed_at": when, "views": 1, "seconds": spent})
                statements.append(("experienced", {"lesson": lesson_id}))
            done_modules = {m for m, _ in seen}
            taken = [q for q in quizzes if self.course.find_quiz(q.id) and any(
                m.quiz is q and m.id in done_modules for m in self.course.modules)]
            best: dict[str, float] = {}
            for quiz in taken:
                for number in (1, 2) if ability < 0.5 else (1,):
                    quiz_id += 1
                    correct = {q.id: self.rng.random() < min(0.98, ability * self.rng.uniform(0.7, 1.3))
                               for q in quiz.questions}
                    points = sum(q.points for q in quiz.questions if correct[q.id])
                    passed = points * 100 >= quiz.passing_score * quiz.max_points
                    spent = self.rng.randint(120, 1200)
                    seconds += spent
                    quiz_rows.append({"id": quiz_id, "attempt_id": i, "quiz_id": quiz.id, "number": number,
                                      "submitted_at": when, "points": points, "max_points": quiz.max_points,
                                      "passed": passed, "seconds": spent})
                    for q in quiz.questions:
                        response_id += 1
                        responses.append({"id": response_id, "quiz_attempt_id": quiz_id, "question_id": q.id,
                                          "response": response_for(q, correct[q.id], self.rng),
                                          "correct": correct[q.id]})
                        statements.append(("answered", {"question": q.id, "success": correct[q.id]}))
                    best[quiz.id] = max(best.get(quiz.id, 0.0), points / quiz.max_points)
            progress = (len(seen) + len(best)) / (len(lessons) + len(quizzes))
            attempts.append({"id": i, "user_pk": i, "resource_link_pk": 1, "course_id": self.course.id,
                             "module_id": None, "started_at": when, "updated_at": when + timedelta(hours=2),
                             "completed_at": when if progress >= 1 else None, "progress": round(progress, 4),
                             "score_scaled": round(sum(best.values()) / len(quizzes), 4) if best else None,
                             "passed": None, "seconds": seconds})
            actions.append((i, registration, statements))
        with self.engine.begin() as conn:
            conn.execute(insert(LtiPlatform), [{"id": 1, "issuer": ISSUER, "client_id": "bench",
                                                "auth_login_url": ISSUER + "/auth", "auth_token_url": ISSUER + "/token",
                                                "created_at": self.start}])
            conn.execute(insert(LtiDeployment), [{"id": 1, "platform_id": 1, "deployment_id": "1"}])
            conn.execute(insert(LtiContext), [{"id": 1, "platform_id": 1, "context_id": "C1", "title": "Bench course",
                                               "label": "BENCH"}])
            conn.execute(insert(LtiResourceLink), [{"id": 1, "platform_id": 1, "deployment_pk": 1, "context_pk": 1,
                                                    "resource_link_id": "L1", "title": "Course",
                                                    "course_id": self.course.id, "ags_scopes": []}])
            for table, rows in ((LtiUser, users), (LtiMembership, members), (Attempt, attempts),
                                (LessonView, views), (QuizAttempt, quiz_rows), (QuizResponse, responses)):
                for part in chunks(rows):
                    conn.execute(insert(table), part)
            launch_id = uuid.uuid4().hex
            conn.execute(insert(LtiLaunch), [{"id": launch_id, "platform_id": 1, "deployment_pk": 1, "context_pk": 1,
                                              "resource_link_pk": 1, "user_pk": self.learners + 1,
                                              "message_type": "LtiResourceLinkRequest", "roles": [INSTRUCTOR_ROLE],
                                              "created_at": self.start}])
        self.seed_statements(actions)
        return launch_id, 1

    def seed_statements(self, actions: list[tuple[int, str, list[tuple[str, dict]]]]) -> None:
        """`self.statements` statements spread over the learners: their real actions, padded with progress."""
        per_learner = max(1, self.statements // max(1, len(actions)))
        statement_rows: list[dict] = []
        index_rows: list[dict] = []
        seq = 0
        course_iri = activity_iri(BASE_IRI, self.course.id)
        stamp = int(self.start.timestamp() * 1_000_000)

        def flush() -> None:
            with self.engine.begin() as conn:
                conn.execute(storage.statement.insert(), statement_rows)
                conn.execute(storage.statement_index.insert(), index_rows)
            statement_rows.clear()
            index_rows.clear()

        for user, registration, real in actions:
            actor = {"account": {"homePage": ISSUER, "name": f"sub-{user}"}, "objectType": "Agent"}
            actor_key = f"account:{ISSUER}|sub-{user}"
            padded = (real + [("progressed", {"lesson": "x"})] * per_learner)[:per_learner]
            for kind, detail in padded:
                seq += 1
                stamp += 1000
                object_id = f"{course_iri}/{detail.get('lesson') or detail.get('question')}"
                body = {"id": str(uuid.UUID(int=seq)), "actor": actor,
                        "verb": {"id": VERBS[kind], "display": {"en-US": kind}},
                        "object": {"id": object_id, "definition": {"name": {"en": object_id.rsplit("/", 1)[1]}}},
                        "context": {"registration": registration,
                                    "contextActivities": {"grouping": [{"id": course_iri}]}},
                        "timestamp": datetime.fromtimestamp(stamp / 1e6, timezone.utc).isoformat(),
                        "stored": datetime.fromtimestamp(stamp / 1e6, timezone.utc).isoformat(), "version": "1.0.0"}
                if "success" in detail:
                    body["result"] = {"success": detail["success"]}
                statement_rows.append({
                    "seq": seq, "id": body["id"], "actor_key": actor_key, "verb_id": VERBS[kind],
                    "object_activity": object_id, "object_ref": None, "registration": registration,
                    "stored_us": stamp, "timestamp_us": stamp, "voided": False, "authority_key": "account:bench|bench",
                    "version": "1.0.0", "has_attachments": False, "body": json.dumps(body, separators=(",", ":"))})
                index_rows += [
                    {"kind": "agent", "value": actor_key, "statement_seq": seq, "direct": True},
                    {"kind": "verb", "value": VERBS[kind], "statement_seq": seq, "direct": True},
                    {"kind": "activity", "value": object_id, "statement_seq": seq, "direct": True},
                    {"kind": "activity", "value": course_iri, "statement_seq": seq, "direct": False},
                    {"kind": "registration", "value": registration, "statement_seq": seq, "direct": True}]
                if len(statement_rows) >= CHUNK:
                    flush()
        if statement_rows:
            flush()


def fresh_database(backend: str, folder: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'reports-bench.sqlite3'}", None
    return fresh_postgres_database()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def run(backend: str, learners: int, statements: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url, pg_name = fresh_database(backend, Path(folder))
        try:
            engine = make_engine(url)
            upgrade(engine)
            app = create_app({"database_url": url, "instance_path": Path(folder) / "instance",
                              "courses_dirs": (ROOT / "sample_courses",), "base_url": "http://127.0.0.1:5000"})
            course = app.extensions["mirco"].catalogue.get(COURSE)
            logging.getLogger("mirco.access").setLevel(logging.WARNING)  # one line per request hides the figures
            started = time.perf_counter()
            launch_id, context_pk = Seeder(engine, course, learners, statements).run()
            if backend == "postgresql":
                with engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
            print(f"\n{backend}: {learners} learners, {statements} statements seeded in "
                  f"{time.perf_counter() - started:.1f} s")
            base = f"/reports/{context_pk}/{COURSE}"
            pages = {
                "overview": f"{base}/",
                "learners (page 1)": f"{base}/learners",
                "learners (search+sort+dates)": f"{base}/learners?q=learner1&sort=score&dir=desc&from=2026-09-10"
                                                f"&to=2026-11-01&institution=kirs.gov.rs",
                "learners (last page, by time)": f"{base}/learners?sort=seconds&page={max(1, learners // 50)}",
                "learners (institution or group)": f"{base}/learners?institution=Group+4&sort=progress",
                "learner timeline": f"{base}/learners/{learners // 2 + 1}",
                "item analysis": f"{base}/items",
                "outcomes": f"{base}/outcomes",
                "export learners.csv": f"{base}/export/learners.csv",
            }
            client = app.test_client()
            token = launch_tokens.issue(app.extensions["mirco"].settings.secret_key, launch_id, TokenKind.BEARER)
            print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8}   (n={repeat}; load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
            for label, path in pages.items():
                path += ("&" if "?" in path else "?") + f"launch={token}"
                status = client.get(path).status_code  # warm-up
                timings, cpu = [], []
                for _ in range(repeat):
                    began, began_cpu = time.perf_counter(), time.process_time()
                    response = client.get(path)
                    timings.append((time.perf_counter() - began) * 1000)
                    cpu.append((time.process_time() - began_cpu) * 1000)
                    status = response.status_code
                print(f"{label:34} {percentile(timings, 0.5):8.1f} {percentile(timings, 0.95):8.1f}"
                      f" {percentile(cpu, 0.5):8.1f}"
                      f"{'' if status == 200 else f'   HTTP {status}'}")
            app.extensions["mirco"].db.dispose()
            engine.dispose()
        finally:
            if pg_name:
                drop_postgres_database(pg_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_true", help="200 learners, 20,000 statements (default)")
    size.add_argument("--full", action="store_true", help="1,000 learners, 500,000 statements")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    learners, statements = (1000, 500_000) if args.full else (200, 20_000)
    for backend in args.backends.split(","):
        run(backend.strip(), learners, statements, args.repeat)


if __name__ == "__main__":
    main()
