"""The `mirco` command line: set-up, development server and course tools. Errors exit 2, never a traceback."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from courses.catalogue import course_folders
from courses.duration import duration_warnings
from courses.errors import CourseValidationError
from courses.loader import load_course
from courses.translations import translation_report
from lti_tool.app import create_app
from lti_tool.catalogue_sync import sync_course
from lti_tool.cli_packages import register as register_package_commands
from lti_tool.cli_translations import register as register_translation_commands, report_lines
from lti_tool.config import ConfigError, Settings
from lti_tool.doctor import doctor_command
from lti_tool import cli_lti as lti_commands
from lti_tool import cli_lrs
from lti_tool.migrate import upgrade
from lti_tool.state import app_state
from lti_tool.worker import start_in_background


def _create(info: ScriptInfo | None = None) -> Flask:
    return create_app()


class MircoGroup(FlaskGroup):
    """Flask's group (app context, plugin commands) without Flask's own options: the application is always ours,
    so `--app`/`-A`, `--env-file`/`-e`, `--debug` and Flask's `--version` would only mislead."""

    FLASK_OPTIONS = frozenset({"app", "env_file", "debug"})

    def __init__(self, **kwargs: object) -> None:
        super().__init__(add_version_option=False, **kwargs)  # type: ignore[arg-type]
        self.params = [p for p in self.params if p.name not in self.FLASK_OPTIONS]


@click.group(cls=MircoGroup, create_app=_create, add_default_commands=False, load_dotenv=False,
             set_debug_flag=False)
@click.version_option(package_name="mirco-learning-suite", prog_name="MIRCO Learning Suite",
                      message="%(prog)s %(version)s")
def cli() -> None:
    """MIRCO Learning Suite: LTI 1.3 tool, SCORM/cmi5 exporter and xAPI learning record store."""


INIT_STEPS: list = []
"""Further set-up steps `(label, callable(app))` that other parts of the tool register (keys, LRS seed...)."""


def initialise(app: Flask) -> list[str]:
    """Create or upgrade the database, then run every registered set-up step; safe to run again."""
    state = app_state(app)
    upgrade(state.db.engine)
    report = ["database migrated"]
    with state.db.transaction() as session:
        changed = [c.id for c in state.catalogue if sync_course(session, c)]
    report.append(f"{len(state.catalogue)} course(s) loaded, {len(changed)} new or changed")
    for label, step in INIT_STEPS:
        step(app)
        report.append(label)
    return report


@cli.command("init")
def init_command() -> None:
    """Create or upgrade the database, create keys if missing, load the course catalogue (idempotent)."""
    from flask import current_app

    for line in initialise(current_app):
        click.echo(f"ok  {line}")


@cli.command("run", with_appcontext=False)
@click.option("--port", default=5000, show_default=True, help="Port on 127.0.0.1.")
def run_command(port: int) -> None:
    """Initialise, then serve the tool on 127.0.0.1 (development server)."""
    from werkzeug.serving import run_simple

    app = _app_served_on(port)
    initialise(app)
    settings = app_state(app).settings
    click.echo(f"MIRCO Learning Suite running: open {settings.base_url}/" + (
        f"  (demo launches: {settings.base_url}/demo)" if settings.demo else ""))
    if settings.demo:  # the demo gradebook fills without a second command; production runs `mirco worker`
        start_in_background(app)
        click.echo("demo: grades and statements leave the outbox in this process (production: `mirco worker`)")
    # Not app.run(): under the `flask`/FlaskGroup CLI it returns at once without serving (Flask ignores it there).
    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)


def _app_served_on(port: int) -> Flask:
    """The app, with the default base URL moved to `port`: demo launches and printed links must reach this
    server, not port 5000. A base URL the administrator set is kept as it is."""
    app = create_app()
    if port != 5000 and app_state(app).settings.base_url == Settings.base_url:
        os.environ["MIRCO_BASE_URL"] = f"http://127.0.0.1:{port}"
        app = create_app()
    return app


@cli.group("courses")
def courses_group() -> None:
    """Validate, list and inspect curricula."""


@courses_group.command("validate", with_appcontext=False)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def courses_validate(paths: tuple[Path, ...]) -> None:
    """Check course folders; list every problem with file and line. Exit 2 when there is any."""
    folders = course_folders(list(paths))
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        click.echo(f"{path}: no such file or folder", err=True)
    if not folders and not missing:
        click.echo(f"no course.yaml found under: {' '.join(map(str, paths))}", err=True)
        sys.exit(2)
    failed = bool(missing)
    with click.progressbar(folders, label="Validating", file=sys.stderr,
                           item_show_func=lambda p: p.name if p else "") as bar:
        results = []
        for folder in bar:
            try:
                results.append((folder, load_course(folder), None))
            except CourseValidationError as exc:
                results.append((folder, None, exc))
    for folder, course, error in results:
        if error:
            failed = True
            click.echo(f"FAIL {folder}: {len(error.problems)} problem(s)")
            for problem in error.problems:
                click.echo(f"  {folder / problem.file}:{problem.line}: {problem.message}")
        else:
            lessons = sum(len(m.lessons) for m in course.modules)
            click.echo(f"ok   {folder}: {course.id} {course.version}, {len(course.modules)} modules, "
                       f"{lessons} lessons, {sum(len(q.questions) for q in course.quizzes())} questions")
            for warning in duration_warnings(course):
                click.echo(f"  warning: {folder / warning.file}:{warning.line}: {warning.message}")
            for line in report_lines(folder, translation_report(course.path), detailed=False):
                click.echo(f"     {line}")
    sys.exit(2 if failed else 0)


@courses_group.command("list")
def courses_list() -> None:
    """List the loaded curricula (and those that failed to load)."""
    from flask import current_app

    catalogue = app_state(current_app).catalogue
    for course in catalogue:
        click.echo(f"{course.id:28} v{course.version:8} EQF {course.eqf_level}  {course.hours:>5g} h  "
                   f"{course.title.get()}")
    for folder, error in catalogue.errors.items():
        click.echo(f"{'(invalid)':28} {folder}: {len(error.problems)} problem(s); run mirco courses validate")


@courses_group.command("show")
@click.argument("course_id")
@click.option("--lang", default=None, help="Language to show (e.g. sr-Latn, sr-Cyrl).")
def courses_show(course_id: str, lang: str | None) -> None:
    """Show one course's outline: outcomes, modules, lessons, quizzes and library."""
    from flask import current_app

    course = app_state(current_app).catalogue.get(course_id)
    if course is None:
        raise click.UsageError(f"no course with id {course_id!r} (see: mirco courses list)")
    if lang is not None and not course.offers(lang):
        raise click.UsageError(f"course {course.id} has no {lang!r} text; languages: "
                               f"{', '.join(course.offered_languages())}")
    click.echo(f"{course.title.get(lang)}  [{course.id} {course.version}, EQF {course.eqf_level}, "
               f"{course.credits:g} ECTS, {course.hours:g} h, {', '.join(course.languages)}]")
    click.echo(f"hash {course.content_hash}")
    click.echo("Learning outcomes:")
    for outcome in course.outcomes:
        click.echo(f"  {outcome.id} ({outcome.domain}) {outcome.text.get(lang)}")
    for module in course.modules:
        click.echo(f"Module {module.id}: {module.title.get(lang)}")
        for lesson in module.lessons:
            click.echo(f"  lesson {lesson.id}: {lesson.title.get(lang)} ({lesson.estimated_minutes} min)")
        if module.quiz:
            click.echo(f"  quiz {module.quiz.id}: {len(module.quiz.questions)} questions, pass {module.quiz.passing_score:g}%")
    if course.final_assessment:
        click.echo(f"Final assessment {course.final_assessment.id}: {len(course.final_assessment.questions)} questions")
    click.echo(f"Library: {len(course.library)} resources")


cli.add_command(doctor_command)
register_package_commands(cli, courses_group)
register_translation_commands(courses_group)
lti_commands.register(cli, INIT_STEPS)
cli_lrs.register(cli, INIT_STEPS)


def main() -> None:
    """Console entry point: user errors are one clear line and exit code 2."""
    try:
        cli.main(prog_name="mirco", standalone_mode=True)
    except ConfigError as exc:
        click.echo(f"configuration error: {exc}", err=True)
        sys.exit(2)
