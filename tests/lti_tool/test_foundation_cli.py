"""The `mirco` command as users run it: a real subprocess, exit codes, no tracebacks."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_COURSES, ROOT

MIRCO = [sys.executable, "-c", "from lti_tool.cli import main; main()"]


def run_mirco(*args: str, instance: Path, database_url: str | None = None, courses: Path = FIXTURE_COURSES,
              **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIRCO_")}
    env.update(MIRCO_INSTANCE_PATH=str(instance), MIRCO_COURSES_DIRS=str(courses), **extra_env)
    if database_url:
        env["MIRCO_DATABASE_URL"] = database_url
    return subprocess.run(MIRCO + list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_validate_valid_course_exits_0(tmp_path: Path) -> None:
    result = run_mirco("courses", "validate", str(FIXTURE_COURSES / "mini-course"), instance=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   " in result.stdout and "mini-course 1.0.0, 1 modules, 2 lessons, 7 questions" in result.stdout


def test_validate_broken_course_lists_every_error_and_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURE_COURSES / "mini-course", broken)
    quiz = broken / "modules/01-basics/quiz.yaml"
    quiz.write_text(quiz.read_text().replace("type: ordering", "type: essay").replace("answer: true", "answer: 7"))
    result = run_mirco("courses", "validate", str(broken), instance=tmp_path)
    assert result.returncode == 2
    assert "FAIL" in result.stdout and "2 problem(s)" in result.stdout
    assert f"{broken}/modules/01-basics/quiz.yaml:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_missing_path_exits_2(tmp_path: Path) -> None:
    result = run_mirco("courses", "validate", str(tmp_path / "nope"), instance=tmp_path)
    assert result.returncode == 2 and "no such file or folder" in result.stderr


def test_bad_configuration_is_one_clear_line(tmp_path: Path) -> None:
    result = run_mirco("courses", "list", instance=tmp_path, MIRCO_BASE_URL="ftp://x")
    assert result.returncode == 2
    assert "MIRCO_BASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_init_is_idempotent_and_list_show_work(tmp_path: Path, database_url: str) -> None:
    first = run_mirco("init", instance=tmp_path, database_url=database_url)
    assert first.returncode == 0, first.stderr
    assert "1 course(s) loaded, 1 new or changed" in first.stdout
    second = run_mirco("init", instance=tmp_path, database_url=database_url)
    assert second.returncode == 0 and "1 course(s) loaded, 0 new or changed" in second.stdout
    listing = run_mirco("courses", "list", instance=tmp_path, database_url=database_url)
    assert "mini-course" in listing.stdout and "EQF 5" in listing.stdout
    shown = run_mirco("courses", "show", "mini-course", "--lang", "sr-Cyrl", instance=tmp_path,
                      database_url=database_url)
    assert "Основе заштите избеглица" in shown.stdout and "quiz m1-quiz: 6 questions" in shown.stdout
    unknown = run_mirco("courses", "show", "no-such-course", instance=tmp_path, database_url=database_url)
    assert unknown.returncode == 2 and "no course with id 'no-such-course'" in unknown.stderr


@pytest.mark.skipif(not (ROOT / "sample_courses").is_dir(), reason="no sample courses")
def test_sample_courses_validate(tmp_path: Path) -> None:
    folders = sorted(p for p in (ROOT / "sample_courses").iterdir() if (p / "course.yaml").is_file())
    if not folders:
        pytest.skip("sample_courses/ holds no course yet")
    result = run_mirco("courses", "validate", *map(str, folders), instance=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]


def test_show_in_a_language_the_course_lacks_exits_2_naming_the_languages(tmp_path: Path) -> None:
    result = run_mirco("courses", "show", "mini-course", "--lang", "xx", instance=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "course mini-course has no 'xx' text; languages: en, sr-Latn, sr-Cyrl" in result.stderr
    derived = run_mirco("courses", "show", "mini-course", "--lang", "sr-Cyrl", instance=tmp_path)
    assert derived.returncode == 0 and "Основе заштите избеглица" in derived.stdout


def test_version_is_the_suites_not_flasks(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = run_mirco("--version", instance=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"MIRCO Learning Suite {version('mirco-learning-suite')}"
    assert "Flask" not in result.stdout and "Werkzeug" not in result.stdout


def test_top_level_help_shows_only_the_suites_options(tmp_path: Path) -> None:
    result = run_mirco("--help", instance=tmp_path)
    assert result.returncode == 0 and "courses" in result.stdout and "doctor" in result.stdout
    options = result.stdout.split("Options:", 1)[1].split("Commands:", 1)[0]
    assert "--version" in options and "--help" in options
    for flask_option in ("--app", "-A,", "--env-file", "-e,", "--debug"):
        assert flask_option not in options
    refused = run_mirco("-A", "other:app", "courses", "list", instance=tmp_path)
    assert refused.returncode == 2 and "No such option '-A'" in refused.stderr


def test_validate_lists_a_yaml_syntax_error_before_its_knock_on_problems(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURE_COURSES / "mini-course", broken)
    quiz = broken / "modules/01-basics/quiz.yaml"
    quiz.write_text(quiz.read_text().replace("attempts: 2", "attempts: [2"))
    result = run_mirco("courses", "validate", str(broken), instance=tmp_path)
    assert result.returncode == 2
    problems = [line.strip() for line in result.stdout.splitlines() if line.startswith("  ")]
    assert len(problems) > 1
    assert problems[0].startswith(f"{quiz}:") and "invalid YAML" in problems[0]
