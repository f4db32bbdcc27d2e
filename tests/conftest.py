"""Shared fixtures: an app on a fresh database, once on SQLite and once on PostgreSQL.

Every test that uses `app` (or `database_url`) runs on both backends. PostgreSQL is skipped when it cannot be
reached, except under CI=true, where its absence fails the run.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from lti_tool import create_app
from lti_tool.db import make_engine
from lti_tool.migrate import upgrade
from lti_tool.models import all_metadata

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_COURSES = FIXTURES / "courses"
POSTGRES_URL = os.environ.get("MIRCO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Compile message catalogs whose .mo is missing or older than the .po (the build does it too)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "lti_tool" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source, mo.open("wb") as target:
                write_mo(target, read_po(source, locale=po.parent.parent.name))


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" here
        return False


def require_postgres() -> None:
    if not postgres_reachable():
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")


def fresh_postgres_database() -> tuple[str, str]:
    """Create an empty database next to the test one; return (url, name)."""
    import psycopg

    name = f"mirco_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", name


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A migrated, empty database URL per backend, shared by the tests of one session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        name = None
    else:
        require_postgres()
        url, name = fresh_postgres_database()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    if name:
        drop_postgres_database(name)


def empty_all_tables(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for metadata in all_metadata():
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
        if conn.dialect.name == "postgresql":  # keep generated ids small and predictable per test
            for (seq,) in conn.execute(text("SELECT sequence_name FROM information_schema.sequences")):
                conn.execute(text(f'ALTER SEQUENCE "{seq}" RESTART'))
    engine.dispose()


def make_test_app(database_url: str, instance: Path, **overrides):
    config = {
        "database_url": database_url,
        "instance_path": instance,
        "courses_dirs": (FIXTURE_COURSES,),
        "base_url": "http://127.0.0.1:5000",
        "TESTING": True,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    application = make_test_app(database_url, tmp_path / "instance")
    yield application
    application.extensions["mirco"].db.dispose()
    empty_all_tables(database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def mini_course_with(target: Path, quiz_edits: dict[str, str]) -> Path:
    """A copy of the fixture courses whose mini course's module quiz has these text replacements; the folder
    to give as `courses_dirs`."""
    shutil.copytree(FIXTURE_COURSES, target)
    quiz = target / "mini-course/modules/01-basics/quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    for old, new in quiz_edits.items():
        assert old in text, old
        text = text.replace(old, new)
    quiz.write_text(text, encoding="utf-8")
    return target
