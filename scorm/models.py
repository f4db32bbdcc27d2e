"""Imported SCORM packages and their launchable items (tables in this package's own MetaData)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, MetaData, String, Text, UniqueConstraint, \
    false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Same constraint naming as lti_tool.models.NAMING (scorm must not import lti_tool, so it is repeated here)."""

metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = metadata


class ScormPackage(Base):
    """One imported package; its files live in Settings.packages_path / id."""

    __tablename__ = "scorm_package"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    identifier: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(35), default="")
    version: Mapped[str] = mapped_column(String(100), default="")
    default_organization: Mapped[str] = mapped_column(String(255), default="")
    organizations: Mapped[dict] = mapped_column(JSON, default=dict)
    source_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    """Unique per owner (scorm.importer checks it): two platforms may import the same zip, each its own copy."""
    file_count: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    schema_note: Mapped[str] = mapped_column(Text, default="")
    sequencing: Mapped[dict | None] = mapped_column(JSON, nullable=True, default=None)
    """SCORM 2004: organization id -> its activity tree with IMS Simple Sequencing (scorm.sequencing_read)."""
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    owner_platform: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True, default=None)
    """The LTI platform (its primary key) whose instructor imported the package; None for an administrator's
    (`mirco packages import`, and every package imported before owners were recorded)."""
    owner_context: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
    """The platform course (LTI context primary key) it was uploaded from, for the record."""
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Every platform may use it: an administrator's decision (`mirco packages share PACKAGE --all`)."""

    scos: Mapped[list[ScormSco]] = relationship(back_populates="package", order_by="ScormSco.position",
                                                cascade="all, delete-orphan")


class ScormPackageShare(Base):
    """An administrator shared a package with one more platform (`mirco packages share PACKAGE --platform ID`)."""

    __tablename__ = "scorm_package_share"

    package_id: Mapped[str] = mapped_column(ForeignKey("scorm_package.id", ondelete="CASCADE"), primary_key=True)
    platform_pk: Mapped[int] = mapped_column(Integer, primary_key=True)


class ScormSco(Base):
    """A launchable item (SCO or asset) of one organization, in manifest order."""

    __tablename__ = "scorm_sco"
    __table_args__ = (UniqueConstraint("package_id", "organization", "identifier", name="uq_scorm_sco_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("scorm_package.id", ondelete="CASCADE"), index=True)
    organization: Mapped[str] = mapped_column(String(255))
    identifier: Mapped[str] = mapped_column(String(255))
    parent: Mapped[str | None] = mapped_column(String(255), nullable=True)
    title: Mapped[str] = mapped_column(Text)
    href: Mapped[str] = mapped_column(Text)
    scorm_type: Mapped[str] = mapped_column(String(10))
    mastery: Mapped[float | None] = mapped_column(Float, nullable=True)
    position: Mapped[int] = mapped_column(Integer)
    extra: Mapped[dict | None] = mapped_column(JSON, nullable=True, default=None)
    """cmi5 AUs: moveOn, launchMethod, launchParameters, entitlementKey, the AU's activity id."""

    package: Mapped[ScormPackage] = relationship(back_populates="scos")


class ScormAttempt(Base):
    """One learner's attempt at one SCO through one LTI resource link; `cmi` is the last committed CMI data (at
    session start, what the session started from: scorm.runtime_data), against which the next commit is compared."""

    __tablename__ = "scorm_attempt"
    __table_args__ = (UniqueConstraint("user_pk", "resource_link_pk", "sco_id", "number",
                                       name="uq_scorm_attempt_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("scorm_package.id", ondelete="CASCADE"), index=True)
    sco_id: Mapped[int] = mapped_column(ForeignKey("scorm_sco.id", ondelete="CASCADE"))
    user_pk: Mapped[int] = mapped_column(Integer, index=True)
    resource_link_pk: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    registration: Mapped[str] = mapped_column(String(36))
    cmi: Mapped[dict] = mapped_column(JSON, default=dict)
    completion: Mapped[str] = mapped_column(String(20), default="unknown")
    success: Mapped[str] = mapped_column(String(20), default="unknown")
    score_scaled: Mapped[float | None] = mapped_column(Float, nullable=True)
    progress: Mapped[float | None] = mapped_column(Float, nullable=True)
    total_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    suspended: Mapped[bool] = mapped_column(default=False)
    finished: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
