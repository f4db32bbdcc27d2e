"""Translation status as authors see it: `mirco courses validate` and `mirco courses translations [--stamp LANG]`
run as real subprocesses over real course folders (the sample curricula and changed copies of them)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_COURSES, ROOT
from tests.lti_tool.test_foundation_cli import run_mirco

SAMPLES = ROOT / "sample_courses"
COURSE_LINE = re.compile(r"^ok   (?P<folder>\S+): (?P<id>\S+) ")
COVERAGE_LINE = re.compile(r"^\s+(?P<lang>[A-Za-z-]+): (?P<percent>\d+)% translated \((?P<done>\d+)/(?P<total>\d+) "
                           r"files\): (?P<current>\d+) current, (?P<stale>\d+) stale, (?P<unverified>\d+) unverified, "
                           r"(?P<missing>\d+) fall back to English$")
LESSON = Path("modules/01-foundations/02-drivers-and-transitions.md")


def coverage(stdout: str) -> dict[str, dict[str, dict[str, int]]]:
    """{course id: {language: figures}} as `validate` printed them."""
    found: dict[str, dict[str, dict[str, int]]] = {}
    course = None
    for line in stdout.splitlines():
        if match := COURSE_LINE.match(line):
            course = found.setdefault(match["id"], {})
        elif (match := COVERAGE_LINE.match(line)) and course is not None:
            course[match["lang"]] = {k: int(v) for k, v in match.groupdict().items() if k != "lang"}
    return found


def course_copy(tmp_path: Path, name: str = "migration-development") -> Path:
    target = tmp_path / name
    shutil.copytree(SAMPLES / name, target)
    for catalogue in SAMPLES.glob("library*.yaml"):  # the shared e-library the course's entries refer to
        shutil.copy(catalogue, tmp_path)
    return target


@pytest.mark.skipif(not (SAMPLES / "migration-governance").is_dir(), reason="no sample courses")
def test_sample_curricula_are_fully_translated(tmp_path: Path) -> None:
    folders = sorted(str(p) for p in SAMPLES.iterdir() if (p / "course.yaml").is_file())
    result = run_mirco("courses", "validate", *folders, instance=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    figures = coverage(result.stdout)
    assert set(figures) == {"migration-development", "migration-gender", "migration-governance"}, result.stdout
    for course in figures.values():
        assert course["sr-Latn"]["percent"] == 100 and course["sr-Latn"]["missing"] == 0
        assert course["sr-Latn"]["stale"] == 0 and course["sr-Latn"]["unverified"] == 0, "stamped and current"
    assert figures["migration-governance"]["mk"]["percent"] == 100
    assert figures["migration-governance"]["sq"]["percent"] == 100


def test_a_changed_english_lesson_makes_its_translation_stale_with_file_and_line(tmp_path: Path) -> None:
    folder = course_copy(tmp_path)
    lesson = folder / LESSON
    assert lesson.is_file(), "the sample lesson this test changes"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nA new paragraph in English.\n", encoding="utf-8")
    result = run_mirco("courses", "validate", str(folder), instance=tmp_path)
    assert result.returncode == 0, result.stdout  # a stale translation is a warning, the course still works
    translated = folder / LESSON.with_suffix(".sr-Latn.md")
    stamp_line = translated.read_text(encoding="utf-8").splitlines().index(
        next(line for line in translated.read_text(encoding="utf-8").splitlines() if line.startswith("source_hash:"))) + 1
    assert f"{translated}:{stamp_line}: stale sr-Latn translation: {LESSON.name} changed" in result.stdout
    figures = coverage(result.stdout)["migration-development"]["sr-Latn"]
    assert figures["stale"] == 1 and figures["current"] == figures["total"] - 1 and figures["percent"] == 100

    # Stamping the whole folder leaves a stale file alone (that would hide it); naming the file confirms it.
    folder_stamp = run_mirco("courses", "translations", "--stamp", "sr-Latn", str(folder), instance=tmp_path)
    assert folder_stamp.returncode == 0 and f"skipped {translated}:{stamp_line}: stale" in folder_stamp.stdout
    assert coverage(run_mirco("courses", "validate", str(folder), instance=tmp_path).stdout)[
        "migration-development"]["sr-Latn"]["stale"] == 1
    file_stamp = run_mirco("courses", "translations", "--stamp", "sr-Latn", str(translated), instance=tmp_path)
    assert file_stamp.returncode == 0 and f"stamped {translated}" in file_stamp.stdout
    after = run_mirco("courses", "validate", str(folder), instance=tmp_path)
    assert coverage(after.stdout)["migration-development"]["sr-Latn"]["stale"] == 0 and "stale sr-Latn" not in after.stdout


def test_unstamped_translations_are_unverified_and_missing_ones_fall_back(tmp_path: Path) -> None:
    folder = tmp_path / "mini-course"
    shutil.copytree(FIXTURE_COURSES / "mini-course", folder)
    result = run_mirco("courses", "translations", str(folder), instance=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sr-Latn: 50% translated (3/6 files): 0 current, 0 stale, 3 unverified, 3 fall back to English" in result.stdout
    assert f"{folder / 'modules/01-basics/02-non-refoulement.md'}: no sr-Latn translation, shown in English" in result.stdout
    assert f"{folder / 'course.sr-Latn.yaml'}: unverified (no source_hash stamp)" in result.stdout
    assert "stale" not in result.stdout.replace("0 stale", "")

    stamped = run_mirco("courses", "translations", "--stamp", "sr-Latn", str(folder), instance=tmp_path)
    assert stamped.returncode == 0 and stamped.stdout.count("stamped ") == 3, stamped.stdout
    again = run_mirco("courses", "translations", "--stamp", "sr-Latn", str(folder), instance=tmp_path)
    assert again.stdout.count("current ") == 3 and not re.search("^stamped ", again.stdout, re.M), "stamping twice changes nothing"
    validated = run_mirco("courses", "validate", str(folder), instance=tmp_path)
    assert validated.returncode == 0, validated.stdout  # the loader accepts the stamp in YAML and front matter
    assert "sr-Latn: 50% translated (3/6 files): 3 current, 0 stale, 0 unverified" in validated.stdout


def test_stamping_keeps_unusual_files_intact(tmp_path: Path) -> None:
    """A YAML document marker, Windows line endings and a BOM survive; an old stamp is replaced, not duplicated."""
    folder = tmp_path / "mini-course"
    shutil.copytree(FIXTURE_COURSES / "mini-course", folder)
    course = folder / "course.sr-Latn.yaml"
    course.write_bytes(b"---\r\n" + course.read_bytes().replace(b"\n", b"\r\n"))
    lesson = folder / "modules/01-basics/01-definition.sr-Latn.md"
    lesson.write_bytes(b"\xef\xbb\xbf" + lesson.read_bytes().replace(b"---\n", b"---\nsource_hash: 0123\n", 1))
    result = run_mirco("courses", "translations", "--stamp", "sr-Latn", str(course), str(lesson), instance=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert course.read_bytes().startswith(b"---\r\nsource_hash: ") and b"\r\ntitle:" in course.read_bytes()
    assert lesson.read_bytes().startswith(b"\xef\xbb\xbf---\nsource_hash: ")
    assert lesson.read_text(encoding="utf-8-sig").count("source_hash:") == 1
    report = run_mirco("courses", "validate", str(folder), instance=tmp_path)
    assert report.returncode == 0 and "2 current, 0 stale, 1 unverified" in report.stdout, report.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--stamp", "../../etc", "course.yaml"], "is not a language tag"),
    (["--stamp", "sr-Latn", "course.yaml"], "not a sr-Latn translation file"),
    (["--stamp", "sr-Latn", "modules/01-basics/orphan.sr-Latn.md"], "there is no English orphan.md beside it"),
    (["--stamp", "sr-Latn", "modules/01-basics/quiz.sr-Latn.yaml"], "could not add a top-level source_hash"),
    (["--stamp", "sr-Latn", "binary.sr-Latn.yaml"], "not UTF-8 text"),
    (["--stamp", "sr-Latn", "no-such-folder"], "does not exist"),
    (["nowhere-a-course"], "no course.yaml found"),
])
def test_bad_stamp_requests_exit_2_with_a_clear_line_and_change_nothing(tmp_path: Path, args: list[str],
                                                                         message: str) -> None:
    folder = tmp_path / "mini-course"
    shutil.copytree(FIXTURE_COURSES / "mini-course", folder)
    (folder / "modules/01-basics/orphan.sr-Latn.md").write_text("---\ntitle: Siroče\n---\nTekst\n", encoding="utf-8")
    quiz = folder / "modules/01-basics/quiz.sr-Latn.yaml"
    quiz.write_text("[not, a, mapping]\n", encoding="utf-8")  # stamping would make it invalid YAML
    (folder / "binary.yaml").write_text("x: 1\n", encoding="utf-8")
    (folder / "binary.sr-Latn.yaml").write_bytes(b"x: \xff\xfe\n")
    (folder / "nowhere-a-course").mkdir()
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    args = [str(folder / a) if "/" in a or a.endswith((".yaml", ".md")) or a.startswith(("no", "nowhere")) else a
            for a in args]
    result = run_mirco("courses", "translations", *args, instance=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stdout + result.stderr and "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
