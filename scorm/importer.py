"""Import a third-party SCORM package: validate, unpack safely, record it, all or nothing.

The zip is checked (scorm.validate), unpacked into a temporary folder next to the package store, and the
rows are written in one database transaction; the folder is renamed into place inside that transaction, and
removed again if the commit fails. A refusal never leaves a file or a row behind.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
import zipfile
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorm.manifest_read import Problem
from scorm.models import ScormAttempt, ScormPackage, ScormSco
from scorm.safezip import UnsafePackage, ZipLimits, extract
from scorm.validate import validate_package

IMPORTABLE = {"scorm12", "scorm2004_2ed", "scorm2004_3ed", "scorm2004_4ed", "cmi5"}


class PackageRejected(ValueError):
    """The package was not imported; `problems` says why, with file and line where known."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]) + (" …" if len(problems) > 5 else ""))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    package_id: str
    title: str
    kind: str
    scos: int
    files: int
    schema_note: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_package(zip_path: Path, store: Path, transaction: Callable[[], AbstractContextManager[Session]], *,
                   source_name: str | None = None, schemas_dir: Path | None = None,
                   limits: ZipLimits = ZipLimits(), ignore_schema_errors: bool = False,
                   owner_platform: int | None = None, owner_context: int | None = None,
                   shared: bool = False) -> ImportResult:
    """Import `zip_path` into `store` (Settings.packages_path) and the database, or raise PackageRejected.
    `owner_platform` is the importing instructor's platform (None: an administrator's package); `shared` makes it
    visible to every platform (an administrator's decision, scorm.tenancy)."""
    report = validate_package(zip_path, schemas_dir, limits)
    name = source_name or zip_path.name
    manifest = report.manifest
    if manifest is not None and manifest.kind not in IMPORTABLE:
        raise PackageRejected([Problem(name, None, f"{manifest.kind} packages cannot be imported: only SCORM 1.2, "
                                                   "SCORM 2004 (2nd, 3rd, 4th edition) and cmi5")])
    if manifest is not None and manifest.kind == "cmi5":
        outside = [Problem("cmi5.xml", item.line, f"AU {item.identifier!r} is hosted outside the package "
                                                  f"({item.href[:80]}): only AUs inside the zip are imported")
                   for item in manifest.launchables if "//" in item.href or item.href.startswith("/")]
        if outside:
            raise PackageRejected(outside)
    refusals = report.problems + ([] if ignore_schema_errors else report.schema_errors)
    if refusals or manifest is None:
        raise PackageRejected(refusals or report.all_problems)
    digest = _sha256(zip_path)
    with transaction() as session:
        existing = session.scalar(select(ScormPackage).where(  # the same owner only: never name another's package
            ScormPackage.sha256 == digest, ScormPackage.owner_platform.is_(None) if owner_platform is None
            else ScormPackage.owner_platform == owner_platform).limit(1))
    if existing is not None:
        raise PackageRejected([Problem(name, None, f"already imported as package {existing.id} "
                                                   f"({existing.title!r})")])
    store.mkdir(parents=True, exist_ok=True)
    package_id = uuid.uuid4().hex
    temp = Path(tempfile.mkdtemp(prefix=".incoming-", dir=store))
    final = store / package_id
    try:
        try:
            with zipfile.ZipFile(zip_path) as archive:
                files = extract(archive, temp, limits)
        except (UnsafePackage, zipfile.BadZipFile, OSError) as exc:
            raise PackageRejected([Problem(name, None, f"unpacking refused: {exc}")]) from None
        size = sum((temp / f).stat().st_size for f in files)
        with transaction() as session:
            session.add(ScormPackage(
                id=package_id, kind=manifest.kind, identifier=manifest.identifier[:255],
                title=manifest.title or name, description=manifest.description, language=manifest.language[:35],
                version=manifest.version[:100], default_organization=manifest.default_organization[:255],
                organizations=manifest.organizations, source_name=name[:255], sha256=digest, file_count=len(files),
                byte_size=size, schema_note=report.schema_note, sequencing=manifest.sequencing or None,
                owner_platform=owner_platform, owner_context=owner_context, shared=shared,
                scos=[ScormSco(organization=item.organization[:255], identifier=item.identifier[:255],
                               parent=item.parent[:255] if item.parent else None, title=item.title, href=item.href,
                               scorm_type=item.scorm_type[:10], mastery=item.mastery, position=item.position,
                               extra=manifest.extra.get(item.identifier))
                      for item in manifest.launchables]))
            session.flush()
            os.replace(temp, final)
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return ImportResult(package_id, manifest.title or name, manifest.kind, len(manifest.launchables), len(files),
                        report.schema_note)


class PackageInUse(ValueError):
    """Learners have attempts at the package: removing it needs `force` (their xAPI statements stay)."""

    def __init__(self, attempts: int, learners: int) -> None:
        super().__init__(f"{learners} learner(s) have {attempts} attempt(s) at this package; remove it anyway to "
                         "delete their progress here (their xAPI statements stay in the LRS)")
        self.attempts, self.learners = attempts, learners


@dataclass(frozen=True)
class RemovalResult:
    package_id: str
    title: str
    attempts: int
    files: int


def remove_package(package_id: str, store: Path, transaction: Callable[[], AbstractContextManager[Session]], *,
                   force: bool = False) -> RemovalResult:
    """Delete an imported package: its files, its catalogue rows and (with `force`) the learners' attempts.
    xAPI statements are never touched. Raises LookupError for an unknown id, PackageInUse without `force`."""
    if len(package_id) != 32 or not package_id.isalnum():
        raise LookupError(f"no imported package {package_id!r}")
    folder = store / package_id
    trash = store / f".removing-{package_id}"
    shutil.rmtree(trash, ignore_errors=True)  # left by a crash between commit and clean-up
    moved = False
    try:
        with transaction() as session:
            package = session.get(ScormPackage, package_id)
            if package is None:
                raise LookupError(f"no imported package {package_id!r}")
            attempts = list(session.scalars(select(ScormAttempt).where(ScormAttempt.package_id == package_id)))
            if attempts and not force:
                raise PackageInUse(len(attempts), len({(a.user_pk, a.resource_link_pk) for a in attempts}))
            title, files, count = package.title, package.file_count, len(attempts)
            for attempt in attempts:
                session.delete(attempt)
            session.flush()
            session.delete(package)
            session.flush()
            if folder.is_dir():
                os.replace(folder, trash)  # inside the transaction: put back if the commit fails
                moved = True
    except BaseException:
        if moved:
            os.replace(trash, folder)
        raise
    shutil.rmtree(trash, ignore_errors=True)
    return RemovalResult(package_id, title, count, files)
