"""Tables owned by the tool itself (catalogue, LTI, attempts, outbox). SQLAlchemy 2.0 declarative style."""
from __future__ import annotations

import importlib
from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Integer, MetaData, String, Text,
                        UniqueConstraint)
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


# --- LTI 1.3: registrations, keys, launches ------------------------------------------------------------------


class LtiPlatform(Base):
    """One registration of the tool on a platform (issuer + client id); an issuer may hold several."""

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_lti_platform_issuer_client"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    auth_login_url: Mapped[str] = mapped_column(Text)
    auth_token_url: Mapped[str] = mapped_column(Text)
    auth_audience: Mapped[str | None] = mapped_column(Text, nullable=True)
    key_set_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    key_set: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    registered_by: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "active", or "pending" (dynamic registration, until an administrator approves) or "disabled": only an
    # active platform may launch the tool.
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")


class LtiRegistrationToken(Base):
    """A one-time registration URL an administrator created (`mirco platforms registration-url`). Only the
    SHA-256 of its secret is kept, so a copy of the database does not let anyone register."""

    __tablename__ = "lti_registration_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LtiDeployment(Base):
    __tablename__ = "lti_deployment"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id", name="uq_lti_deployment_platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))


class LtiKey(Base):
    """Public half of a tool signing key; the private half is a 0600 file in Settings.keys_path."""

    __tablename__ = "lti_key"

    kid: Mapped[str] = mapped_column(String(100), primary_key=True)
    public_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LaunchStoreEntry(Base):
    """Short-lived launch state, nonces and launch data shared by every worker (when Redis is not used)."""

    __tablename__ = "lti_launch_store"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[dict | list | str | bool | None] = mapped_column(JSON, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LtiContext(Base):
    __tablename__ = "lti_context"
    __table_args__ = (UniqueConstraint("platform_id", "context_id", name="uq_lti_context_platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text, default="")
    label: Mapped[str] = mapped_column(Text, default="")
    memberships_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    roster_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the members were last read from the platform (NRPS); None: never."""


class LtiResourceLink(Base):
    """A placement of the tool in a platform course, and which content it opens."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id", name="uq_lti_resource_link_platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    deployment_pk: Mapped[int] = mapped_column(ForeignKey("lti_deployment.id", ondelete="CASCADE"), index=True)
    context_pk: Mapped[int | None] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"), nullable=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text, default="")
    course_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    module_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lesson_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lineitem_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    lineitems_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    ags_scopes: Mapped[list] = mapped_column(JSON, default=list)
    grading: Mapped[str | None] = mapped_column(String(10), nullable=True)
    """How attempts make the grade sent (custom parameter `grading`: best, last, first, average; lti_tool.grading)."""


class LtiUser(Base):
    __tablename__ = "lti_user"
    __table_args__ = (UniqueConstraint("platform_id", "sub", name="uq_lti_user_platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    email: Mapped[str | None] = mapped_column(Text, nullable=True)


class LtiMembership(Base):
    """A context member as the platform lists it (NRPS) or as first seen in a launch."""

    __tablename__ = "lti_membership"
    __table_args__ = (UniqueConstraint("context_pk", "user_pk", name="uq_lti_membership_context"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    context_pk: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"), index=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"), index=True)
    roles: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="Active")
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    institution: Mapped[str | None] = mapped_column(String(255), nullable=True)
    """Institution or group as the platform names it in the launch (lti_tool.lti.records); reports fall back
    to the e-mail domain."""


class LtiLaunch(Base):
    """One validated launch; the browser session holds its id."""

    __tablename__ = "lti_launch"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    deployment_pk: Mapped[int] = mapped_column(ForeignKey("lti_deployment.id", ondelete="CASCADE"))
    context_pk: Mapped[int | None] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"), nullable=True)
    resource_link_pk: Mapped[int | None] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="CASCADE"),
                                                         nullable=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"), index=True)
    message_type: Mapped[str] = mapped_column(String(50))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    locale: Mapped[str | None] = mapped_column(String(35), nullable=True)
    return_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    deep_linking: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# --- Learner progress -----------------------------------------------------------------------------------------


class Attempt(Base):
    """A learner's work on the content of one resource link: progress, score and time."""

    __tablename__ = "attempt"
    __table_args__ = (UniqueConstraint("user_pk", "resource_link_pk", name="uq_attempt_user_link"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"), index=True)
    resource_link_pk: Mapped[int] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="CASCADE"),
                                                  index=True)
    course_id: Mapped[str] = mapped_column(String(100))
    module_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    score_scaled: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    seconds: Mapped[int] = mapped_column(Integer, default=0)


class LessonView(Base):
    __tablename__ = "lesson_view"
    __table_args__ = (UniqueConstraint("attempt_id", "lesson_id", name="uq_lesson_view_attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(100))
    lesson_id: Mapped[str] = mapped_column(String(100))
    first_viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    views: Mapped[int] = mapped_column(Integer, default=1)
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    timed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """Until when reading time has been credited: a beacon adds at most the time since (lti_tool.progress)."""


class QuizAttempt(Base):
    __tablename__ = "quiz_attempt"
    __table_args__ = (UniqueConstraint("attempt_id", "quiz_id", "number", name="uq_quiz_attempt_number"),
                      UniqueConstraint("attempt_id", "token", name="uq_quiz_attempt_token"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The quiz form's one-time submission token: the same form sent twice records one attempt."""


class QuizResponse(Base):
    __tablename__ = "quiz_response"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    response: Mapped[object] = mapped_column(JSON, nullable=True)
    correct: Mapped[bool] = mapped_column(Boolean)


class OutboxMessage(Base):
    """Something that must leave the process (an AGS score...), drained by `mirco worker` with retries."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"),
                                                    nullable=True)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


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
