"""Package benchmark: export time and size per course and format, validation and import time, resume-state size,
and the time the server's SCORM 2004 sequencing takes to decide a navigation request in a large package.

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
from scorm.sequencing import LeafRecord, Tree  # noqa: E402
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


def prerequisite_chain(scos: int) -> list[dict]:
    """An organization of `scos` SCOs under flow, each disabled until the previous one is satisfied (through a
    global objective), like our own SCORM 2004 exports."""
    control = {"choice": True, "choiceExit": True, "flow": True, "forwardOnly": False}
    nodes: list[dict] = [{"id": "ORG", "parent": None, "title": "org", "leaf": False, "control": control}]
    for i in range(scos):
        objectives: dict = {"primary": f"P{i}", "list": {f"P{i}": {"satisfiedByMeasure": False, "minMeasure": 1.0,
                                                                  "maps": [{"target": f"g{i}", "readSatisfied": False,
                                                                            "readMeasure": False, "writeSatisfied": True,
                                                                            "writeMeasure": False}]}}}
        pre = []
        if i:
            objectives["list"]["prev"] = {"satisfiedByMeasure": False, "minMeasure": 1.0, "maps": [
                {"target": f"g{i - 1}", "readSatisfied": True, "readMeasure": False, "writeSatisfied": False,
                 "writeMeasure": False}]}
            pre = [{"action": "disabled", "any": True, "conditions": [
                {"condition": "satisfied", "not": True, "objective": "prev", "threshold": 0.0}]}]
        nodes.append({"id": f"S{i}", "parent": "ORG", "title": f"S{i}", "leaf": True, "pre": pre,
                      "objectives": objectives})
    return nodes


def evaluated_with_menu(nodes: list[dict], records: dict[str, LeafRecord]) -> Tree:
    """What the player does to show its table of contents: the tree evaluated, then its menu (one build)."""
    tree = Tree(nodes, records)
    tree.menu()
    return tree


def sequencing_figures(repeat: int) -> None:
    print(f"\n{'SCOs':>6} {'evaluate + menu ms':>19} {'continue ms':>12}  (half the SCOs passed)")
    for scos in (10, 100, 1000):
        nodes = prerequisite_chain(scos)
        records = {f"S{i}": LeafRecord(attempts=1, completion="completed", success="passed", measure=0.8, ended=True)
                   for i in range(scos // 2)}
        menu_ms, tree = timed(lambda: evaluated_with_menu(nodes, records), repeat)
        halfway = f"S{scos // 2 - 1}"
        continue_ms, _ = timed(lambda: tree.request("continue", halfway), repeat)  # type: ignore[attr-defined]
        print(f"{scos:>6} {menu_ms:>19.1f} {continue_ms:>12.2f}")


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
                if fmt in ("scorm12", "scorm2004", "cmi5"):
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
    sequencing_figures(args.repeat)


if __name__ == "__main__":
    main()
