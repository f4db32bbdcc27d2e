"""Alembic, driven from code: one environment, one migration branch per package that owns tables.

Branches: `tool` (lti_tool/migrations/versions), `xapi` (xapi/migrations), `scorm` (scorm/migrations).
`upgrade()` brings every branch to its head, so `mirco init` works on an empty or an older database.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parent.parent
VERSION_DIRS = [
    ROOT / "lti_tool" / "migrations" / "versions",
    ROOT / "xapi" / "migrations",
    ROOT / "scorm" / "migrations",
]


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to an existing engine (env.py reads it from `attributes`)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "lti_tool" / "migrations"))
    locations = [str(p) for p in VERSION_DIRS if p.is_dir()]
    cfg.set_main_option("path_separator", ";")
    cfg.set_main_option("version_locations", ";".join(locations))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, target: str = "heads") -> None:
    command.upgrade(alembic_config(engine), target)


def downgrade(engine: Engine, target: str) -> None:
    command.downgrade(alembic_config(engine), target)


def pending_heads(engine: Engine) -> set[str]:
    """Head revisions the database has not reached yet (empty when fully migrated)."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(script.get_heads())
    reached = set()
    for head in heads:
        for rev in current:
            if rev == head or head in {r.revision for r in script.iterate_revisions(rev, "base")}:
                reached.add(head)
    return heads - reached
