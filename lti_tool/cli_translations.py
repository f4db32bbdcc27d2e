"""`mirco courses translations`: which files of a curriculum are translated, stale or fall back to English, and
`--stamp LANG` to record, after translating, which English version a translation follows."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from courses.catalogue import course_folders
from courses.reader import LANG_PATTERN, SOURCE_HASH_KEY
from courses.translations import (
    FileStatus, LanguageCoverage, StampError, TranslationReport, english_source, stamp, translation_report,
)


def _shown(folder: Path, path: Path) -> str:
    return str(folder / path.relative_to(folder.resolve())) if path.is_relative_to(folder.resolve()) else str(path)


def coverage_summary(coverage: LanguageCoverage) -> str:
    """One line per language, the figures `validate` and `translations` both print (tests read them)."""
    return (f"{coverage.lang}: {coverage.percent}% translated ({coverage.translated}/{len(coverage.files)} files): "
            f"{coverage.count('current')} current, {coverage.count('stale')} stale, "
            f"{coverage.count('unverified')} unverified, {coverage.count('missing')} fall back to English")


def stale_line(folder: Path, coverage: LanguageCoverage, status: FileStatus) -> str:
    return (f"{_shown(folder, status.translation)}:{status.line}: stale {coverage.lang} translation: "
            f"{status.source.name} changed since it was translated (update it, then: "
            f"mirco courses translations --stamp {coverage.lang} {_shown(folder, status.translation)})")


def report_lines(folder: Path, report: TranslationReport, detailed: bool) -> list[str]:
    """The translation status of one course: summaries, every stale file with its line, every fallback; with
    `detailed` also the unverified (unstamped) translations."""
    if not report.languages:
        return ["translations: none (English only)"]
    lines = []
    for coverage in report.languages:
        lines.append(coverage_summary(coverage))
        lines += ["  " + stale_line(folder, coverage, s) for s in coverage.having("stale")]
        lines += [f"  {_shown(folder, s.source)}: no {coverage.lang} translation, shown in English"
                  for s in coverage.having("missing")]
        if detailed:
            lines += [f"  {_shown(folder, s.translation)}: unverified (no {SOURCE_HASH_KEY} stamp)"
                      for s in coverage.having("unverified")]
    return lines


def _stamp_paths(lang: str, paths: tuple[Path, ...]) -> int:
    """Stamp the named translation files, and in named course folders every unstamped `lang` translation.
    A stale one in a folder is left alone: stamping it would hide that it needs updating; name its file instead."""
    failed = 0
    for path in paths:
        if path.is_file():
            targets, explicit = [path], True
        else:
            targets, explicit = [], False
            for folder in course_folders([path]):
                coverage = translation_report(folder.resolve()).language(lang)
                for status in coverage.files if coverage else ():
                    if status.state == "stale":
                        click.echo(f"skipped {stale_line(folder, coverage, status)}")
                    elif status.translation is not None:
                        targets.append(folder / status.translation.relative_to(folder.resolve()))
            if not course_folders([path]):
                click.echo(f"{path}: no course.yaml found", err=True)
                failed += 1
        for target in targets:
            try:
                if explicit and not target.name.endswith((f".{lang}.md", f".{lang}.yaml")):
                    raise StampError(f"{target}: not a {lang} translation file")
                english_source(target)
                click.echo(f"{'stamped' if stamp(target) else 'current'} {target}")
            except (StampError, OSError) as exc:
                click.echo(str(exc), err=True)
                failed += 1
    return failed


def register(courses_group: click.Group) -> None:
    @courses_group.command("translations", with_appcontext=False)
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    @click.option("--stamp", "stamp_lang", metavar="LANG", default=None,
                  help="Record, in each LANG translation under PATHS (or each named file), the hash of the "
                       "English file it now translates. Run it after translating or updating a translation.")
    def courses_translations(paths: tuple[Path, ...], stamp_lang: str | None) -> None:
        """Per language: translated, stale, unverified and English-only files of each course, and coverage."""
        if stamp_lang is not None:
            if not LANG_PATTERN.match(stamp_lang):
                raise click.BadParameter(f"{stamp_lang!r} is not a language tag like sr-Latn", param_hint="--stamp")
            sys.exit(2 if _stamp_paths(stamp_lang, paths) else 0)
        folders = course_folders(list(paths))
        if not folders:
            click.echo(f"no course.yaml found under: {' '.join(map(str, paths))}", err=True)
            sys.exit(2)
        for folder in folders:
            click.echo(f"{folder}:")
            for line in report_lines(folder, translation_report(folder.resolve()), detailed=True):
                click.echo(f"  {line}")
