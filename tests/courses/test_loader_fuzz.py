"""Random YAML and Markdown never crash the loader: it either loads or raises CourseValidationError."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses import CourseValidationError, load_course
from tests.conftest import FIXTURE_COURSES

MINI = FIXTURE_COURSES / "mini-course"
TARGETS = ["course.yaml", "modules/01-basics/module.yaml", "modules/01-basics/quiz.yaml",
           "modules/01-basics/01-definition.md", "course.sr-Latn.yaml", "final.yaml",
           "modules/01-basics/quiz.sr-Latn.yaml", "modules/01-basics/01-definition.sr-Latn.md"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["id", "K1", "single", "true", "en", "q1", "a"]))
keys = st.sampled_from(["id", "title", "type", "choices", "questions", "outcomes", "modules", "lessons", "text",
                        "correct", "answer", "pairs", "items", "answers", "eqf_level", "library", "url", "x"])
documents = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)), max_leaves=25)


def _load_with(relative: str, content: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "course"
        shutil.copytree(MINI, target)
        (target / relative).write_text(content, encoding="utf-8")
        try:
            load_course(target)
        except CourseValidationError as exc:
            assert exc.problems, "an error must list at least one problem"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TARGETS), documents)
def test_random_structures_never_crash(relative: str, document: object) -> None:
    content = yaml.safe_dump(document, allow_unicode=True)
    if relative.endswith(".md"):
        content = f"---\n{content}---\nBody\n"
    _load_with(relative, content)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TARGETS), st.text(max_size=300))
def test_random_text_never_crashes(relative: str, content: str) -> None:
    _load_with(relative, content)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_random_markdown_body_never_crashes(body: str) -> None:
    front = "---\nid: m1-l1-definition\ntitle: T\nminutes: 5\noutcomes: [K1, R1]\n---\n"
    _load_with("modules/01-basics/01-definition.md", front + body)
