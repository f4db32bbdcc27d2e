"""`mirco courses export|export-all` and `mirco packages validate|import`: package formats on the command line.

Errors exit 2 with the file and line at fault, never a traceback.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from courses.catalogue import course_folders
from courses.errors import CourseValidationError
from courses.loader import load_course
from courses.model import Course
from lti_tool.state import app_state
from scorm.cartridge import CC_VERSIONS
from scorm.export import ExportError, default_name, export_course
from scorm.formats import FORMATS, SCO_GRANULARITY, SEQUENCING
from scorm.importer import PackageInUse, PackageRejected, import_package, remove_package
from lti_tool.models import LtiPlatform
from scorm.models import ScormPackage, ScormPackageShare
from scorm.tenancy import share
from scorm.validate import validate_package


def _load(folder: Path) -> Course:
    try:
        return load_course(folder)
    except CourseValidationError as exc:
        for problem in exc.problems:
            click.echo(f"  {folder / problem.file}:{problem.line}: {problem.message}", err=True)
        raise click.UsageError(f"{folder}: the course has {len(exc.problems)} problem(s); fix them first") from None


def export_options(func):  # type: ignore[no-untyped-def]
    func = click.option("--sco-per", "per", type=click.Choice(SCO_GRANULARITY), default="module", show_default=True,
                        help="One SCO (cmi5 AU) per module, or one for the whole course.")(func)
    func = click.option("--sequencing", type=click.Choice(SEQUENCING), default="portable", show_default=True,
                        help="SCORM 2004 only. portable: plays and uploads everywhere, Moodle included. full: each "
                             "module also locked until the previous one is passed (global objectives, which "
                             "Moodle up to 5.1 cannot upload).")(func)
    func = click.option("--cc-version", type=click.Choice(CC_VERSIONS), default=None,
                        help="Common Cartridge only: 1.1 (default; the version Moodle restores) or 1.3.")(func)
    return click.option("--lang", default=None, help="Language of the package (default: the course's own).")(func)


@click.command("export")
@with_appcontext
@click.argument("course_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="Package format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Zip file to write (default: COURSE-VERSION-FORMAT.zip in the current folder).")
@export_options
def courses_export(course_dir: Path, fmt: str, output: Path | None, per: str, lang: str | None,
                   sequencing: str, cc_version: str | None) -> None:
    """Export one course folder as a SCORM 1.2, SCORM 2004, cmi5 or Common Cartridge zip."""
    if not (course_dir / "course.yaml").is_file():
        raise click.UsageError(f"{course_dir}: no course.yaml here")
    course = _load(course_dir)
    settings = app_state(current_app).settings
    target = output or Path(default_name(course, fmt, lang))
    try:
        result = export_course(course, fmt, target, per=per, lang=lang, iri_base=settings.activity_iri_base,
                               base_url=settings.base_url, sequencing=sequencing, cc_version=cc_version)
    except ExportError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    click.echo(f"wrote {result.path} ({result.format}, {result.scos} SCO(s), {result.files} files, {result.bytes} bytes)")


@click.command("export-all")
@with_appcontext
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="Formats to write (repeatable; default: all four).")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("exports"),
              show_default=True)
@export_options
def courses_export_all(paths: tuple[Path, ...], formats: tuple[str, ...], output_dir: Path, per: str,
                       lang: str | None, sequencing: str, cc_version: str | None) -> None:
    """Export every course (under PATHS, default: the configured course folders) in every format."""
    settings = app_state(current_app).settings
    folders = course_folders(list(paths or settings.courses_dirs))
    if not folders:
        raise click.UsageError("no course.yaml found")
    jobs = [(folder, fmt) for folder in folders for fmt in (formats or FORMATS)]
    failed: list[str] = []
    written = []
    courses: dict[Path, Course] = {}
    with click.progressbar(jobs, label="Exporting", file=sys.stderr,
                           item_show_func=lambda j: f"{j[0].name} {j[1]}" if j else "") as bar:
        for folder, fmt in bar:
            try:
                if folder not in courses:
                    courses[folder] = load_course(folder)
                course = courses[folder]
                result = export_course(course, fmt, output_dir / default_name(course, fmt, lang), per=per, lang=lang,
                                       iri_base=settings.activity_iri_base, base_url=settings.base_url,
                                       sequencing=sequencing if fmt == "scorm2004" else "portable",
                                       cc_version=cc_version if fmt == "cc" else None)
                written.append(result)
            except CourseValidationError as exc:
                failed.append(f"{folder}: {len(exc.problems)} course problem(s); run mirco courses validate")
            except ExportError as exc:
                failed.append(f"{folder} {fmt}: {exc}")
            except OSError as exc:
                failed.append(f"{folder} {fmt}: cannot write to {output_dir}: {exc.strerror or exc}")
    for result in written:
        click.echo(f"ok   {result.path} ({result.bytes} bytes)")
    for line in dict.fromkeys(failed):
        click.echo(f"FAIL {line}", err=True)
    sys.exit(2 if failed else 0)


@click.group("packages", cls=AppGroup)
def packages_group() -> None:
    """Validate and import SCORM / cmi5 packages."""


@packages_group.command("validate")
@click.argument("packages", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def packages_validate(packages: tuple[Path, ...]) -> None:
    """Check package zips: structure, safety, and the manifest against the official XML Schemas."""
    schemas = app_state(current_app).settings.scorm_schemas
    failed = False
    for package in packages:
        report = validate_package(package, schemas)
        kind = report.kind or "unknown"
        problems = report.all_problems
        click.echo(f"{'ok  ' if report.ok else 'FAIL'} {package}: {kind}, {len(problems)} problem(s)")
        for problem in problems:
            click.echo(f"  {problem}")
        for warning in report.warnings:
            click.echo(f"  warning: {warning}")
        if report.manifest is not None:
            click.echo(f"  {report.schema_note}")
        failed = failed or not report.ok
    sys.exit(2 if failed else 0)


@packages_group.command("import")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ignore-schema-errors", is_flag=True,
              help="Import although the manifest breaks the XML Schemas (structural problems still refuse).")
@click.option("--platform", "platform_pk", type=int, default=None,
              help="Import it as this platform's own package (see `mirco platforms list`); default: an "
                   "administrator's package shared with every platform.")
def packages_import(package: Path, ignore_schema_errors: bool, platform_pk: int | None) -> None:
    """Import a SCORM 1.2 / 2004 or cmi5 package zip into the catalogue (all or nothing)."""
    state = app_state(current_app)
    if platform_pk is not None:
        _platform(platform_pk)
    try:
        result = import_package(package, state.settings.packages_path, state.db.transaction,
                                schemas_dir=state.settings.scorm_schemas, ignore_schema_errors=ignore_schema_errors,
                                owner_platform=platform_pk, shared=platform_pk is None)
    except PackageRejected as exc:
        click.echo(f"FAIL {package}: not imported, {len(exc.problems)} problem(s)", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)
    click.echo(f"imported {package} as {result.package_id}: {result.title!r} ({result.kind}, {result.scos} "
               f"launchable item(s), {result.files} files)")
    click.echo(f"  {result.schema_note}")
    click.echo(f"  owner: platform {platform_pk}" if platform_pk is not None else "  shared with every platform")


def _platform(platform_pk: int) -> None:
    with app_state(current_app).db.sessions() as session:
        if session.get(LtiPlatform, platform_pk) is None:
            raise click.UsageError(f"no registered platform {platform_pk} (see `mirco platforms list`)")


def _audience(session, package: ScormPackage) -> str:  # type: ignore[no-untyped-def]
    others = sorted(session.scalars(select(ScormPackageShare.platform_pk)
                                    .where(ScormPackageShare.package_id == package.id)))
    owner = f"platform {package.owner_platform}" if package.owner_platform is not None else "admin"
    return owner + (", shared with all" if package.shared else "") + (
        f", shared with platform(s) {', '.join(map(str, others))}" if others else "")


@packages_group.command("list")
def packages_list() -> None:
    """List imported packages, their owner and whom they are shared with."""
    state = app_state(current_app)
    with state.db.sessions() as session:
        for package in session.scalars(select(ScormPackage).order_by(ScormPackage.imported_at)):
            click.echo(f"{package.id}  {package.kind:14} {len(package.scos):3} item(s)  {package.title}  "
                       f"[{_audience(session, package)}]")


@packages_group.command("share")
@click.argument("package_id")
@click.option("--platform", "platform_pk", type=int, default=None, help="The platform to share it with.")
@click.option("--all", "everyone", is_flag=True, help="Share it with every platform.")
@click.option("--revoke", is_flag=True, help="Take the sharing back (the owner keeps its package).")
def packages_share(package_id: str, platform_pk: int | None, everyone: bool, revoke: bool) -> None:
    """Let another platform (or every one) list, deep-link and launch a package: an administrator's decision."""
    if (platform_pk is None) == (not everyone):
        raise click.UsageError("give either --platform ID or --all")
    if platform_pk is not None:
        _platform(platform_pk)
    with app_state(current_app).db.transaction() as session:
        package = session.get(ScormPackage, package_id[:64])
        if package is None:
            raise click.UsageError(f"no imported package {package_id[:64]!r} (see `mirco packages list`)")
        share(session, package, platform_pk=platform_pk, everyone=everyone, revoke=revoke)
        session.flush()
        click.echo(f"{package.id}  {package.title}  [{_audience(session, package)}]")


@packages_group.command("remove")
@click.argument("package_id")
@click.option("--force", is_flag=True,
              help="Remove it although learners have attempts (their progress here goes; xAPI statements stay).")
def packages_remove(package_id: str, force: bool) -> None:
    """Remove an imported package: its files and catalogue rows. xAPI statements are kept."""
    state = app_state(current_app)
    try:
        result = remove_package(package_id, state.settings.packages_path, state.db.transaction, force=force)
    except LookupError as exc:
        raise click.UsageError(str(exc)) from None
    except PackageInUse as exc:
        click.echo(f"FAIL {package_id}: not removed: {exc}; add --force to remove it anyway", err=True)
        sys.exit(2)
    click.echo(f"removed {result.package_id} ({result.title!r}, {result.files} files"
               + (f", {result.attempts} attempt(s)" if result.attempts else "") + "); xAPI statements kept")


def register(cli: click.Group, courses_group: click.Group) -> None:
    """Attach the commands to the `mirco` group (called once from lti_tool.cli)."""
    courses_group.add_command(courses_export)
    courses_group.add_command(courses_export_all)
    cli.add_command(packages_group)
