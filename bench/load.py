"""Throughput and latency of the learner mix under gunicorn with 1, 2 and 4 workers (PostgreSQL + Redis).

Each simulated learner does a full LTI 1.3 launch through a third-party platform (lti1p3platform), reads two
lessons, opens and submits a quiz and writes three xAPI statements, all over HTTP on 127.0.0.1 — the same mix
as tests/e2e. Prints figures; asserts nothing about speed.

    .venv/bin/python bench/load.py                     # 50 learners, 1/2/4 workers
    .venv/bin/python bench/load.py --learners 100 --workers 2 4
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.stack import Unavailable, build_stack, learner_ids, wait_for  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def run(workers: int, learners: int) -> str:
    with tempfile.TemporaryDirectory(prefix="mirco-load-") as folder:
        stack_gen = build_stack(Path(folder), workers, learners)
        stack = next(stack_gen)
        try:
            users = learner_ids(learners)
            started = time.perf_counter()
            outcomes = stack.run_learners(users)
            elapsed = time.perf_counter() - started
            drain_started = time.perf_counter()
            wait_for(lambda: len({s["userId"] for s in stack.platform.scores}) == learners, 300, "grades")
            drain = time.perf_counter() - drain_started
        finally:
            stack_gen.close()
        served = server_durations(Path(folder) / "tool.log")
    latencies = [lat for o in outcomes for lat in o.latencies]
    errors = sum(1 for o in outcomes for code in o.statuses if code >= 500)
    return (f"{workers:>7} {learners:>8} {len(latencies) / elapsed:>9.1f} {learners / elapsed:>10.2f} "
            f"{statistics.median(latencies) * 1000:>8.1f} {percentile(latencies, 0.95) * 1000:>8.1f} "
            f"{percentile(latencies, 0.99) * 1000:>8.1f} {errors:>4} {drain:>9.1f} "
            f"{statistics.median(served):>10.1f} {percentile(served, 0.95):>10.1f}")


def server_durations(log: Path) -> list[float]:
    """Milliseconds each request spent inside the tool, from its JSON access log: shows how much of the
    client-side latency is queueing on the two cores (the load generator shares them)."""
    durations = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if '"mirco.access"' in line:
            entry = json.loads(line)
            if entry["path"] not in ("/readyz", "/metrics"):
                durations.append(entry["duration_ms"])
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    print("client side (launch to last xAPI write) | in the tool (access log)")
    print("workers learners   req/s  learners/s  p50 ms   p95 ms   p99 ms  5xx  grades s  tool p50 ms tool p95 ms")
    for workers in args.workers:
        try:
            print(run(workers, args.learners), flush=True)
        except Unavailable as exc:
            sys.exit(f"cannot run: {exc}")


if __name__ == "__main__":
    main()
