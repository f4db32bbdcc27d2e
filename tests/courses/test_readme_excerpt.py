"""The README's author excerpt is a complete course: a new author who copies it gets a course that validates."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from courses.loader import load_course

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^`(my-course/[^`]+)`.*?^```(?:yaml|markdown)\n(.*?)^```", re.M | re.S)


def excerpt_files() -> dict[str, str]:
    readme = README.read_text(encoding="utf-8")
    section = readme.split("### Start a fourth curriculum", 1)[1].split("\n## For administrators", 1)[0]
    return {path: body for path, body in BLOCK.findall(section)}


def test_readme_excerpt_is_a_valid_course(tmp_path: Path) -> None:
    files = excerpt_files()
    assert set(files) == {"my-course/course.yaml", "my-course/modules/01-rules/module.yaml",
                          "my-course/modules/01-rules/01-definitions.md", "my-course/modules/01-rules/quiz.yaml"}
    for name, body in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    final = yaml.safe_load(files["my-course/modules/01-rules/quiz.yaml"])  # "final.yaml in the same form"
    final.update(id="final", title="Final assessment")
    (tmp_path / "my-course" / "final.yaml").write_text(yaml.safe_dump(final), encoding="utf-8")
    course = load_course(tmp_path / "my-course")
    assert course.id == "migration-data"
    assert course.eqf_level == 5
    assert [lesson.id for lesson in course.modules[0].lessons] == ["m1-l1-definitions"]
    assert {q.type for q in course.modules[0].quiz.questions} >= {"single", "true_false"}
