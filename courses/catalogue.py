"""The set of courses an installation serves, loaded from one or more folders of course folders."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from courses.errors import CourseValidationError
from courses.loader import load_course
from courses.model import Course

log = logging.getLogger(__name__)


def course_folders(paths: tuple[Path, ...] | list[Path]) -> list[Path]:
    """Course folders under `paths`: a path holding course.yaml is a course, otherwise its children are looked at."""
    found = []
    for path in paths:
        if (path / "course.yaml").is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if (p / "course.yaml").is_file()))
    return found


@dataclass
class Catalogue:
    courses: dict[str, Course] = field(default_factory=dict)
    errors: dict[str, CourseValidationError] = field(default_factory=dict)

    @classmethod
    def from_dirs(cls, paths: tuple[Path, ...] | list[Path]) -> Catalogue:
        """Load every course; an invalid course is logged and left out rather than stopping the tool."""
        catalogue = cls()
        for folder in course_folders(paths):
            try:
                course = load_course(folder)
            except CourseValidationError as exc:
                log.warning("course %s not loaded: %s", folder, exc)
                catalogue.errors[str(folder)] = exc
                continue
            catalogue.courses[course.id] = course
        return catalogue

    def get(self, course_id: str) -> Course | None:
        return self.courses.get(course_id)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.courses.values(), key=lambda c: c.title.get()))

    def __len__(self) -> int:
        return len(self.courses)
