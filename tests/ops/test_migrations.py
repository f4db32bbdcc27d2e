"""Every migration branch upgrades from nothing, downgrades to nothing and upgrades again, keeps data across
upgrades, and leaves a schema equal to the models (so a forgotten migration fails here), on SQLite and PostgreSQL.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select

from lti_tool.db import make_engine
from lti_tool.migrate import alembic_config, downgrade, pending_heads, upgrade
from lti_tool.models import (Attempt, CourseRecord, LtiDeployment, LtiPlatform, LtiResourceLink, LtiUser, QuizAttempt,
                             all_metadata, utcnow)
from tests.conftest import drop_postgres_database, fresh_postgres_database, require_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no tables at all."""
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        require_postgres()
        url, name = fresh_postgres_database()
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if name:
        drop_postgres_database(name)


def script(engine: Engine) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(engine))


def model_tables() -> set[str]:
    return {table.name for metadata in all_metadata() for table in metadata.sorted_tables}


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def schema_differences(engine: Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, all_metadata())
    # column comments are documentation in the models; the migrations need not repeat them
    return [d for d in diffs if not (isinstance(d, list) and d[0][0] == "modify_comment")]


def test_every_package_with_tables_has_a_branch() -> None:
    branches = {label for rev in script(make_engine("sqlite://")).walk_revisions() for label in rev.branch_labels}
    assert {"tool", "xapi"} <= branches


def test_upgrade_from_empty_matches_the_models(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert pending_heads(empty_engine) == set()
    assert tables(empty_engine) == model_tables()
    assert schema_differences(empty_engine) == []


def test_downgrade_to_base_then_upgrade_again(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert tables(empty_engine) == set()
    upgrade(empty_engine)
    assert pending_heads(empty_engine) == set() and tables(empty_engine) == model_tables()


def test_each_revision_upgrades_and_downgrades_one_step_at_a_time(empty_engine: Engine) -> None:
    """Revisions applied in order, each on its own, as an installation that upgraded at every release."""
    revisions = list(reversed(list(script(empty_engine).walk_revisions())))
    for revision in revisions:
        upgrade(empty_engine, revision.revision)
    assert pending_heads(empty_engine) == set()
    for revision in reversed(revisions):
        downgrade(empty_engine, f"{revision.revision}-1" if revision.down_revision else
                  f"{revision.branch_labels and next(iter(revision.branch_labels))}@base")
    assert tables(empty_engine) == set()


def test_data_from_the_first_release_survives_the_upgrade(empty_engine: Engine) -> None:
    upgrade(empty_engine, "tool_0001")
    with empty_engine.begin() as connection:
        connection.execute(CourseRecord.__table__.insert().values(
            id="migration-governance", version="1.0.0", content_hash="a" * 64, source_path="/srv/courses/mg",
            title={"en": "Migration governance"}, eqf_level=6, loaded_at=utcnow()))
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        row = connection.execute(select(CourseRecord.__table__)).one()
    assert row.id == "migration-governance" and row.title == {"en": "Migration governance"}


def test_quiz_attempts_raced_to_one_number_are_numbered_again_not_dropped(empty_engine: Engine) -> None:
    """Before tool_0008 parallel submissions could store attempts with one number; the upgrade keeps them all."""
    upgrade(empty_engine, "tool_0007")
    rows = [(LtiPlatform, {"id": 1, "issuer": "https://moodle.example.org", "client_id": "c", "auth_login_url": "a",
                           "auth_token_url": "t"}),
            (LtiDeployment, {"id": 1, "platform_id": 1, "deployment_id": "d"}),
            (LtiUser, {"id": 1, "platform_id": 1, "sub": "learner-1"}),
            (LtiResourceLink, {"id": 1, "platform_id": 1, "deployment_pk": 1, "resource_link_id": "L1"}),
            (Attempt, {"id": 1, "user_pk": 1, "resource_link_pk": 1, "course_id": "c"})]
    rows += [(QuizAttempt, {"id": n, "attempt_id": 1, "quiz_id": "q", "number": number, "points": 1.0,
                            "max_points": 2.0, "passed": False}) for n, number in ((1, 1), (2, 1), (3, 2), (4, 1))]
    with empty_engine.begin() as connection:
        for model, values in rows:
            connection.execute(model.__table__.insert().values(**values))
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        numbers = connection.execute(select(QuizAttempt.__table__.c.id, QuizAttempt.__table__.c.number)
                                     .order_by(QuizAttempt.__table__.c.id)).all()
    assert [tuple(r) for r in numbers] == [(1, 1), (2, 2), (3, 4), (4, 3)]
