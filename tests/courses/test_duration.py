"""Study times computed from the content (words, assigned library reading, questions), and the validator's warning
when a course's declared hours are far from them."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from courses import duration
from courses.loader import load_course
from tests.conftest import FIXTURE_COURSES

SAMPLES = Path(__file__).resolve().parents[2] / "sample_courses"


def test_words_ignore_markdown_and_link_addresses() -> None:
    text = "## The definition\n\nArticle 1A(2) — see [the UNHCR handbook](https://www.unhcr.org/a-b/c.pdf).\n\n| a | b |\n|---|---|\n"
    assert duration.word_count(text) == 11  # The definition Article 1A 2 see the UNHCR handbook a b
    assert duration.word_count("non-refoulement isn't two words") == 4


def test_reading_minutes_at_the_documented_rate() -> None:
    assert duration.WORDS_PER_MINUTE == 200
    assert duration.reading_minutes("word " * 1000) == 5
    assert duration.reading_minutes("word " * 1001) == 6
    assert duration.reading_minutes("") == 0


def _fixture(tmp_path: Path) -> Path:
    folder = tmp_path / "mini-course"
    shutil.copytree(FIXTURE_COURSES / "mini-course", folder)
    return folder


def test_lesson_module_and_course_minutes(tmp_path: Path) -> None:
    folder = _fixture(tmp_path)
    lesson_file = folder / "modules" / "01-basics" / "01-definition.md"
    lesson_file.write_text(lesson_file.read_text().replace("---\n## The", "---\n" + "word " * 450 + "\n## The"))
    course = load_course(folder)
    module = course.modules[0]
    first, second = module.lessons
    words = len(first.body.get().split()) - first.body.get().count("##")
    assert first.estimated_minutes == -(-words // 200) == 3 and first.minutes == 20  # typed minutes kept apart
    assert module.estimated_minutes == 3 + second.estimated_minutes + 9  # six questions at 1.5 minutes
    final = len(course.final_assessment.questions) if course.final_assessment else 0
    assert duration.course_minutes(course) == module.estimated_minutes + -(-final * 3 // 2)


def test_assigned_library_reading_counts_in_the_lesson(tmp_path: Path) -> None:
    root = tmp_path / "courses"
    shutil.copytree(SAMPLES, root)
    course_file = root / "migration-gender" / "course.yaml"
    course_file.write_text(course_file.read_text(encoding="utf-8").replace(
        "- ref: cedaw-1979\n", "- ref: cedaw-1979\n  minutes: 30\n", 1), encoding="utf-8")
    lesson = next(p for p in sorted((root / "migration-gender" / "modules").glob("*/*.md")) if p.name.count(".") == 1)
    before = load_course(root / "migration-gender").modules[0].lessons[0].estimated_minutes
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("\nminutes:", "\nlibrary: [cedaw-1979]\nminutes:", 1),
                      encoding="utf-8")
    assert load_course(root / "migration-gender").modules[0].lessons[0].estimated_minutes == before + 30


def test_sample_lessons_of_about_a_thousand_words_take_minutes_not_an_hour() -> None:
    course = load_course(SAMPLES / "migration-governance")
    for _, lesson in course.lessons():
        assert lesson.estimated_minutes == duration.reading_minutes(lesson.body.get()) <= 15


def _validate(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).with_name("mirco")), "courses", "validate", str(folder)],
                          capture_output=True, text=True, timeout=120)


def test_validator_warns_but_passes_when_declared_hours_are_far_from_computed(tmp_path: Path) -> None:
    folder = _fixture(tmp_path)
    computed = duration.course_minutes(load_course(folder)) / 60
    course_file = folder / "course.yaml"
    text = course_file.read_text()
    line = text.splitlines().index("hours: 2") + 1
    course_file.write_text(text.replace("hours: 2\n", f"hours: {round(computed * 1.2, 2)}\n"))
    close = _validate(folder)
    assert close.returncode == 0 and "warning" not in close.stdout, close.stdout + close.stderr
    course_file.write_text(text.replace("hours: 2\n", f"hours: {round(computed * 1.3 + 0.01, 2)}\n"))
    far = _validate(folder)
    assert far.returncode == 0, far.stdout + far.stderr
    assert f"warning: {folder}/course.yaml:{line}: hours: " in far.stdout
    assert f"take about {computed:.1f} h" in far.stdout
    [warning] = duration.duration_warnings(load_course(folder))
    assert (warning.file, warning.line) == ("course.yaml", line)
