"""Package benchmark: export time and size per course and format, validation and import time, resume-state size.

Prints figures, asserts nothing.

    .venv/bin/python bench/scorm_packages.py                    # the test course and every sample curriculum
    .venv/bin/python bench/scorm_packages.py --repeat 10 --schemas ../shared/schemas
"""
from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import tempfile
import time
import zlib
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from courses.catalogue import course_folders  # noqa: E402
from courses.errors import CourseValidationError  # noqa: E402
from courses.loader import load_course  # noqa: E402
from courses.model import Course  # noqa: E402
from lti_tool.db import Database  # noqa: E402
from lti_tool.migrate import upgrade  # noqa: E402
from scorm.export import export_course  # noqa: E402
from scorm.formats import FORMATS, SUSPEND_LIMITS  # noqa: E402
from scorm.importer import import_package  # noqa: E402
from scorm.plan import plan_scos  # noqa: E402
from scorm.validate import validate_package  # noqa: E402

IRI_BASE = "https://mirco.example.org/xapi/activities"


def timed(action, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Median milliseconds of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def worst_resume_state(course: Course) -> int:
    """Characters of the player's resume state when a learner has done everything in the one-SCO export:
    every lesson read, every quiz attempted with per-question results (the player's format, deflated, base64)."""
    (sco,) = plan_scos(course, "course")
    state = {"v": 1, "at": len(sco.lessons), "seen": "1" * len(sco.lessons), "quiz": {
        ref.quiz.id: {"n": 3, "pts": ref.quiz.max_points, "pass": True, "ok": {q.id: True for q in ref.quiz.questions}}
        for ref in sco.quizzes}}
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = packer.compress(json.dumps(state, separators=(",", ":")).encode()) + packer.flush()
    return len("z" + base64.b64encode(raw).decode())


@contextmanager
def database():  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.sqlite3")
        upgrade(db.engine)
        yield db, Path(folder) / "packages"
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--schemas", type=Path, default=ROOT.parent / "shared" / "schemas")
    args = parser.parse_args()
    schemas = args.schemas if args.schemas.is_dir() else None
    courses = []
    for folder in course_folders([ROOT / "tests" / "fixtures" / "courses", ROOT / "sample_courses"]):
        try:
            courses.append(load_course(folder))
        except CourseValidationError as exc:
            print(f"skipped {folder.name}: {len(exc.problems)} course problem(s)")
    print(f"schemas: {schemas or 'none (validation is structural only)'}; median of {args.repeat} run(s)\n")
    print(f"{'course':24} {'format':10} {'SCOs':>4} {'export ms':>10} {'zip KiB':>8} {'validate ms':>12} "
          f"{'import ms':>10}")
    with tempfile.TemporaryDirectory() as out, database() as (db, store):
        for course in courses:
            for fmt in FORMATS:
                target = Path(out) / f"{course.id}-{fmt}.zip"
                export_ms, result = timed(lambda: export_course(course, fmt, target, iri_base=IRI_BASE,
                                                                base_url="https://mirco.example.org"), args.repeat)
                validate_ms, report = timed(lambda: validate_package(target, schemas), args.repeat)
                import_ms = "-"
                if fmt in ("scorm12", "scorm2004"):
                    ms, _ = timed(lambda: import_package(target, store, db.transaction, schemas_dir=schemas,
                                                         source_name=f"{time.perf_counter_ns()}.zip"), 1)
                    import_ms = f"{ms:.0f}"
                status = "" if report.ok else "  INVALID"
                print(f"{course.id:24} {fmt:10} {result.scos:>4} {export_ms:>10.1f} {result.bytes / 1024:>8.1f} "
                      f"{validate_ms:>12.1f} {import_ms:>10}{status}")
    print(f"\n{'course':24} {'resume state (chars), one-SCO export, all done':>48}  limits: " +
          ", ".join(f"{k} {v}" for k, v in SUSPEND_LIMITS.items()))
    for course in courses:
        print(f"{course.id:24} {worst_resume_state(course):>48}")


if __name__ == "__main__":
    main()
