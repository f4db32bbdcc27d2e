"""Embedded LRS benchmark: POST throughput and latency, concurrent writers, query latency at scale.

Runs the real tool under gunicorn on 127.0.0.1 against SQLite and PostgreSQL (and Ralph's file backend when
installed, see --ralph), with realistic statements made by xapi.builders. Prints figures, asserts nothing.

    .venv/bin/python bench/lrs_bench.py                       # small default run (a few minutes)
    .venv/bin/python bench/lrs_bench.py --preload 100000      # query latency with 100k statements stored
    .venv/bin/python bench/lrs_bench.py --preload 1000000 --backends postgresql
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lti_tool.db import Database  # noqa: E402
from lti_tool.migrate import upgrade  # noqa: E402
from xapi.builders import Choice, CourseStatements, Learner  # noqa: E402
from xapi.service import store_statements  # noqa: E402
from xapi.vocabulary import Verb  # noqa: E402

KEY, SECRET = "bench-key", "bench-secret"
POSTGRES = os.environ.get("MIRCO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BASE_IRI = "https://mirco.example.org/xapi/activities"
ISSUER = "https://moodle.example.org"


class Workload:
    """Realistic statements: learners x courses x modules x lessons/quizzes, a registration per attempt."""

    def __init__(self, learners: int = 500, seed: int = 7) -> None:
        self.random = random.Random(seed)
        self.learners = [f"learner-{i}" for i in range(learners)]
        self.courses = ["migration-governance", "migration-gender", "migration-development"]
        self.registrations = {(l, c): str(uuid.UUID(int=self.random.getrandbits(128), version=4))
                              for l in self.learners for c in self.courses}

    def builder(self) -> CourseStatements:
        learner, course = self.random.choice(self.learners), self.random.choice(self.courses)
        return CourseStatements(base_iri=BASE_IRI, course_id=course, registration=self.registrations[learner, course],
                                learner=Learner(ISSUER, learner), course_title={"en": course})

    def statement(self) -> dict:
        b = self.builder()
        module, lesson = f"m{self.random.randint(1, 5)}", f"l{self.random.randint(1, 6)}"
        kind = self.random.random()
        if kind < 0.45:
            return b.lesson_experienced(module, lesson, title={"en": "Lesson"}, seconds=self.random.randint(30, 900))
        if kind < 0.65:
            return b.lesson_progressed(module, lesson, self.random.randint(0, 100))
        if kind < 0.9:
            return b.question_answered(module, "quiz", f"q{self.random.randint(1, 10)}", interaction_type="choice",
                                       response="a", success=self.random.random() < 0.7, correct_responses=["a"],
                                       choices=[Choice("a", {"en": "A"}), Choice("b", {"en": "B"})],
                                       prompt={"en": "Question?"})
        if kind < 0.97:
            return b.quiz_finished(module, "quiz", raw=self.random.randint(0, 10), maximum=10, passing_scaled=0.7)
        return b.module_completed(module, seconds=self.random.randint(600, 7200))

    @cached_property
    def pool(self) -> list[dict]:
        return [self.statement() for _ in range(5000)]

    def batch(self, size: int) -> list[dict]:
        """`size` statements drawn from a pool of built ones, each with a fresh id (building with tincan costs
        more than storing, and would measure the generator instead of the LRS)."""
        return [dict(self.random.choice(self.pool), id=str(uuid.uuid4())) for _ in range(size)]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Result:
    statements: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.statements / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not start")


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"mirco_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def mirco_server(url: str, workdir: Path, workers: int) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "MIRCO_DATABASE_URL": url, "MIRCO_INSTANCE_PATH": str(workdir / "instance"),
           "MIRCO_LRS_DEFAULT_KEY": KEY, "MIRCO_LRS_DEFAULT_SECRET": SECRET,
           "MIRCO_BASE_URL": f"http://127.0.0.1:{port}", "MIRCO_COURSES_DIRS": str(workdir)}
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", "4",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "lti_tool.app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}/xapi"
        wait_ready(endpoint + "/about")
        yield endpoint
    finally:
        process.terminate()
        process.wait(20)


class Client:
    def __init__(self, endpoint: str, version: str = "1.0.3", auth: tuple[str, str] = (KEY, SECRET)) -> None:
        self.endpoint = endpoint
        self.http = requests.Session()
        self.http.auth = auth
        self.http.headers.update({"X-Experience-API-Version": version})

    def _call(self, method: str, **kwargs: object) -> tuple[float, int, str]:
        """(milliseconds, status, start of body); a connection failure counts as status 0."""
        start = time.perf_counter()
        try:
            response = self.http.request(method, self.endpoint + "/statements", timeout=60, **kwargs)
            status, text = response.status_code, response.text[:200]
        except requests.RequestException as exc:
            status, text = 0, str(exc)[:200]
        return (time.perf_counter() - start) * 1000, status, text

    def post(self, statements: list[dict]) -> tuple[float, int, str]:
        return self._call("POST", json=statements)

    def get(self, params: dict[str, str]) -> tuple[float, int, str]:
        return self._call("GET", params=params)


def post_load(make_client: Callable[[], Client], workload: Workload, batch: int, clients: int,
              total: int) -> Result:
    """`clients` threads POST batches of `batch` until `total` statements are sent."""
    per_client = max(1, total // (batch * clients))
    batches = [[workload.batch(batch) for _ in range(per_client)] for _ in range(clients)]
    result, lock = Result(), threading.Lock()

    def run(mine: list[list[dict]]) -> None:
        client = make_client()
        for statements in mine:
            ms, status, text = client.post(statements)
            with lock:
                result.latencies_ms.append(ms)
                if status == 200:
                    result.statements += len(statements)
                else:
                    result.errors += 1
                    if len(result.error_samples) < 3:
                        result.error_samples.append(f"{status} {text}")

    threads = [threading.Thread(target=run, args=(b,)) for b in batches]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - start
    return result


def preload(url: str, workload: Workload, count: int, chunk: int = 1000) -> float:
    """Store `count` statements through the service layer (same validation), return statements/s."""
    db = Database(url)
    start, done = time.perf_counter(), 0
    while done < count:
        size = min(chunk, count - done)
        with db.transaction() as session:
            store_statements(session, workload.batch(size))
        done += size
        if done % 100_000 == 0:
            print(f"    preloaded {done:,}", flush=True)
    rate = count / (time.perf_counter() - start)
    with db.engine.connect() as connection:  # what autovacuum does after a bulk load, before queries
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    db.dispose()
    return rate


def query_set(workload: Workload, since: str) -> dict[str, dict[str, str]]:
    """The filters of the GET benchmark, with values that occur in the stored workload."""
    sample = next(s for s in workload.pool if s["verb"]["id"] == Verb.EXPERIENCED)
    lesson = sample["object"]["id"]
    return {
        "agent": {"agent": json.dumps(sample["actor"])},
        "verb": {"verb": Verb.ANSWERED},
        "activity": {"activity": lesson},
        "verb+activity": {"verb": Verb.EXPERIENCED, "activity": lesson},
        "registration": {"registration": sample["context"]["registration"]},
        "since": {"since": since},
        "related activity": {"activity": sample["context"]["contextActivities"]["parent"][0]["id"],
                             "related_activities": "true"},
    }


def load_average() -> str:
    """The 1-minute load average: on a shared machine, figures taken under load are not comparable."""
    return f"load {os.getloadavg()[0]:.1f}"


def report(label: str, r: Result) -> None:
    print(f"  {label:34} {r.rate:9.0f} statements/s   p50 {percentile(r.latencies_ms, 50):7.1f} ms   "
          f"p95 {percentile(r.latencies_ms, 95):7.1f} ms   errors {r.errors}   {load_average()}"
          + (f"  e.g. {r.error_samples[0]}" if r.error_samples else ""), flush=True)


def bench_endpoint(name: str, make_client: Callable[[], Client], workload: Workload, total: int,
                   writers8: bool = True) -> dict:
    figures = {}
    print(f"\n== {name}: POST", flush=True)
    for batch in (1, 10, 100):
        for clients in (1, 4):
            count = min(total, 1000) if batch == 1 else total
            r = post_load(make_client, workload, batch, clients, count)
            report(f"batch {batch:3} x {clients} client(s)", r)
            figures[(batch, clients)] = r
    if writers8:
        r = post_load(make_client, workload, 10, 8, max(800, total // 2))
        report("8 concurrent writers, batch 10", r)
        figures["8writers"] = r
    return figures


def bench_queries(name: str, client: Client, workload: Workload, since: str, repeat: int) -> dict:
    print(f"== {name}: GET queries ({repeat} each, limit 10)", flush=True)
    out = {}
    for label, params in query_set(workload, since).items():
        latencies, errors, found = [], 0, 0
        for _ in range(repeat):
            ms, status, text = client.get({**params, "limit": "10"})
            latencies.append(ms)
            errors += status != 200
        _, status, _ = client.get({**params, "limit": "10"})
        found = len(client.http.get(client.endpoint + "/statements", params={**params, "limit": "10"}).json()
                    .get("statements", [])) if errors == 0 and status == 200 else 0
        out[label] = (percentile(latencies, 50), percentile(latencies, 95))
        print(f"  {label:18} p50 {out[label][0]:7.1f} ms   p95 {out[label][1]:7.1f} ms   "
              f"errors {errors}   ({found} returned)", flush=True)
    return out


def run_mirco(backend: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="lrs-bench-") as tmp, database(backend, Path(tmp)) as url:
        db = Database(url)
        upgrade(db.engine)
        db.dispose()
        with mirco_server(url, Path(tmp), args.workers) as endpoint:
            workload = Workload(seed=1)
            figures = bench_endpoint(f"MIRCO LRS on {backend}", lambda: Client(endpoint), workload, args.statements)
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            if args.preload:
                print(f"  preloading {args.preload:,} statements through the service layer...", flush=True)
                rate = preload(url, workload, args.preload)
                print(f"  preload rate (in-process, 1000 per transaction): {rate:,.0f} statements/s")
            figures["queries"] = bench_queries(f"MIRCO LRS on {backend}", Client(endpoint), workload, since,
                                               args.queries)
        return figures


def run_ralph(args: argparse.Namespace) -> dict | None:
    ralph = Path(args.ralph) / "bin" / "ralph"
    if not ralph.exists():
        print(f"\n(Ralph not found at {ralph}; install ralph-malph 5.1.0 there to compare)")
        return None
    from ralph_support import ralph_server  # bench/ralph_support.py: starts Ralph's LRS with its file backend

    with tempfile.TemporaryDirectory(prefix="ralph-bench-") as tmp, ralph_server(Path(args.ralph), Path(tmp)) as (
            endpoint, auth):
        workload = Workload(seed=1)
        figures = bench_endpoint("Ralph 5.1.0 (file backend)", lambda: Client(endpoint, auth=auth), workload,
                                 args.statements, writers8=False)
        figures["queries"] = bench_queries("Ralph 5.1.0 (file backend)", Client(endpoint, auth=auth), workload,
                                           "2000-01-01T00:00:00Z", min(args.queries, 20))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--statements", type=int, default=2000, help="statements per POST configuration")
    parser.add_argument("--preload", type=int, default=10_000, help="statements stored before the GET queries")
    parser.add_argument("--queries", type=int, default=50, help="requests per query type")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--ralph", default="/tmp/ralph-venv", help="virtualenv with ralph-malph 5.1.0 ('' to skip)")
    args = parser.parse_args()
    print(f"LRS benchmark: {os.cpu_count()} CPUs, {args.statements} statements per POST configuration, "
          f"{args.preload:,} preloaded for queries, gunicorn {args.workers} workers x 4 threads, {load_average()}")
    results = {backend: run_mirco(backend, args) for backend in args.backends.split(",") if backend}
    ralph = run_ralph(args) if args.ralph else None
    if ralph:
        print("\n== ratio MIRCO / Ralph (statements/s)")
        for backend, figures in results.items():
            for key in [(1, 1), (10, 1), (100, 1), (100, 4)]:
                if figures[key].rate and ralph[key].rate:
                    print(f"  {backend:10} batch {key[0]:3} x {key[1]}: {figures[key].rate / ralph[key].rate:6.1f}x")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
