"""Located problems in a course folder, reported all at once."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    message: str
    blocking: bool = field(default=False, compare=False)
    """The file could not be read or parsed: other problems may only follow from this one, so it is listed first."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class CourseValidationError(ValueError):
    """A course folder has one or more problems; `problems` lists every one, located."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = sorted(set(problems), key=lambda p: (not p.blocking, p))
        super().__init__(f"{self.path}: {len(self.problems)} problem(s)\n" + "\n".join(map(str, self.problems)))
