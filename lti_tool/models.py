"""Tables owned by the tool itself (catalogue, LTI, attempts, outbox). SQLAlchemy 2.0 declarative style."""
from __future__ import annotations

import importlib
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CourseRecord(Base):
    """A curriculum known to the tool: which version (content hash) is loaded, and from where."""

    __tablename__ = "course"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(50))
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(Text)
    title: Mapped[dict] = mapped_column(JSON)
    eqf_level: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def all_metadata() -> list[MetaData]:
    """Every package's metadata that shares this database (for Alembic and test clean-up)."""
    found = [Base.metadata]
    for module_name in ("xapi.storage", "scorm.models"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name not in {module_name, module_name.split(".")[0]}:
                raise
            continue
        found.append(module.metadata)
    return found
