"""Which imported packages a platform may see, link and launch, and which it may remove.

A package belongs to the platform whose instructor imported it; an administrator's package (no owner) belongs to
no platform. Others see a package only when an administrator shares it: with every platform, or with one.
Platforms are plain primary keys here (scorm knows nothing of LTI).
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from scorm.models import ScormPackage, ScormPackageShare


def visible_to(platform_pk: int) -> ColumnElement[bool]:
    """The WHERE clause of the packages a platform's users may list, deep-link and launch."""
    return or_(ScormPackage.owner_platform == platform_pk, ScormPackage.shared.is_(True),
               exists().where(ScormPackageShare.package_id == ScormPackage.id,
                              ScormPackageShare.platform_pk == platform_pk))


def visible_package(session: Session, package_id: str, platform_pk: int) -> ScormPackage | None:
    """The package if this platform may use it, else None (as if it did not exist)."""
    return session.scalar(select(ScormPackage).where(ScormPackage.id == package_id, visible_to(platform_pk)))


def removable_by(package: ScormPackage, platform_pk: int) -> bool:
    """Only the owner platform's instructors remove a package; shared and administrators' ones are the CLI's."""
    return package.owner_platform is not None and package.owner_platform == platform_pk


def share(session: Session, package: ScormPackage, *, platform_pk: int | None = None, everyone: bool = False,
          revoke: bool = False) -> None:
    """An administrator's decision: share `package` with one platform or with every platform, or take it back."""
    if everyone:
        package.shared = not revoke
        return
    if platform_pk is None:
        raise ValueError("name a platform or every platform")
    found = session.get(ScormPackageShare, (package.id, platform_pk))
    if revoke and found is not None:
        session.delete(found)
    elif not revoke and found is None and package.owner_platform != platform_pk:
        session.add(ScormPackageShare(package_id=package.id, platform_pk=platform_pk))
