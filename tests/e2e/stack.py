"""The production shape on one machine, for the end-to-end tests and bench/load.py: a private PostgreSQL
cluster (so it can be restarted without disturbing anyone else), Redis, gunicorn with packaging/gunicorn.conf.py,
`mirco worker`, a third-party LTI platform (lti1p3platform via the tool's adapter) with many learners and an
external LRS — the last two with a switch that makes them fail for a while — and simulated learners.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.html
import requests
import redis
from flask import Flask, Response, jsonify, request

from lti_tool.demo.platform import INSTRUCTOR, LEARNER, Member, PlatformState, new_private_key_pem, platform_blueprint
from tests.conftest import FIXTURE_COURSES, ROOT
from tests.servers import ThreadedServer, free_port, wait_for

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_URL = os.environ.get("MIRCO_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
LRS_KEY, LRS_SECRET = "e2e-key", "e2e-secret-0123456789"
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free port, run as the `postgres` system user (initdb refuses root)."""

    def __init__(self) -> None:
        # its own folder under /tmp: the postgres user cannot enter pytest's per-user (0700) temporary folders
        self.directory = Path(tempfile.mkdtemp(prefix="mirco-e2e-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "--auth=trust", "-U", "postgres",
                           "--no-sync"])
        self.start()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def available() -> bool:
        return (PG_BIN / "initdb").exists() and shutil.which("runuser") is not None

    def _as_postgres(self, command: list[str]) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + command, check=True, capture_output=True, timeout=120)

    def _ctl(self, *args: str) -> None:
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"),
                           "-w", "-t", "60", *args])

    def start(self) -> None:
        self._ctl("-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                        f"-c max_connections=300 -c fsync=off", "start")

    def restart(self) -> None:
        self._ctl("-m", "fast", "restart")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


class Switch:
    """A fault switch: while on, the wrapped service answers 503 on the given path prefixes."""

    def __init__(self) -> None:
        self.on = False
        self.refused = 0

    def wrap(self, app: Flask, prefixes: tuple[str, ...]) -> Flask:
        @app.before_request
        def _fail():  # type: ignore[no-untyped-def]
            if self.on and request.path.startswith(prefixes):
                self.refused += 1
                return Response("temporarily unavailable", status=503)
            return None

        return app


class Hold:
    """A slow service: once armed, the `nth` request to the given path prefixes waits (up to a minute) until
    `release` is set. Meanwhile `holding` is set and `caller_port` is the port the caller waits on, so a test can
    find and kill the very process that holds a request."""

    def __init__(self) -> None:
        self.nth = self.seen = self.caller_port = 0
        self.holding, self.release = threading.Event(), threading.Event()
        self.lock = threading.Lock()

    def arm(self, nth: int = 1) -> None:
        with self.lock:
            self.nth, self.seen = nth, 0

    def wrap(self, app: Flask, prefixes: tuple[str, ...]) -> Flask:
        @app.before_request
        def _hold():  # type: ignore[no-untyped-def]
            if not request.path.startswith(prefixes):
                return None
            with self.lock:
                self.seen += 1
                held = self.seen == self.nth
            if held:
                self.caller_port = int(request.environ["REMOTE_PORT"])
                self.holding.set()
                self.release.wait(60)
            return None

        return app


@dataclass
class ExternalLRS:
    """An external LRS that counts every statement id it received, POST by POST (a conforming LRS would keep one
    copy per id; counting shows what the forwarder sent twice); it can refuse (`switch`) or be slow (`hold`)."""

    received: Counter = field(default_factory=Counter)
    switch: Switch = field(default_factory=Switch)
    hold: Hold = field(default_factory=Hold)
    lock: threading.Lock = field(default_factory=threading.Lock)
    posts: list[list[str]] = field(default_factory=list)

    def app(self) -> Flask:
        app = Flask("external-lrs")

        @app.get("/xapi/about")
        def about():  # type: ignore[no-untyped-def]
            return jsonify(version=["1.0.3"])

        @app.post("/xapi/statements")
        def statements():  # type: ignore[no-untyped-def]
            body = request.get_json(force=True)
            batch = body if isinstance(body, list) else [body]
            ids = [s["id"] for s in batch]
            with self.lock:
                self.received.update(ids)
                self.posts.append(ids)
            return jsonify(ids)

        return self.hold.wrap(self.switch.wrap(app, ("/xapi/statements",)), ("/xapi/statements",))


INSTRUCTOR_ID = "teacher-001"


def learner_ids(count: int) -> list[str]:
    return [f"learner-{n:03d}" for n in range(1, count + 1)]


def make_platform(tool_url: str, learners: int) -> tuple[PlatformState, Switch, Hold, Flask]:
    """lti1p3platform with `learners` learners and one link to the fixture course; AGS can be switched off, and its
    key set (which each web worker fetches at its first launch) can be slow."""
    state = PlatformState(issuer="", client_id="e2e-client", deployment_id="e2e-dep",
                          private_pem=new_private_key_pem(), tool_login_url=tool_url + "/lti/login",
                          tool_launch_url=tool_url + "/lti/launch", tool_jwks_url=tool_url + "/lti/jwks.json",
                          redirect_uris=[tool_url + "/lti/launch"])
    state.members = [Member(user, f"Learner {user[-3:]}", f"{user}@example.org", [LEARNER])
                     for user in learner_ids(learners)]
    state.members.append(Member(INSTRUCTOR_ID, "Vera Teacher", "vera@example.org", [INSTRUCTOR]))
    state.links = {"link-1": {"title": "Mini course", "custom": {"course": "mini-course"}, "lineitem": None}}
    app = Flask("e2e-platform")
    app.register_blueprint(platform_blueprint("platform", "", lambda: state))
    switch, hold = Switch(), Hold()
    return state, switch, hold, hold.wrap(switch.wrap(app, ("/ags/", "/token")), ("/jwks",))


@dataclass
class Tool:
    """gunicorn serving the tool plus one `mirco worker`, configured only through MIRCO_* variables."""

    env: dict[str, str]
    port: int
    log: Path
    gunicorn: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    log_handle: Any = None

    def _log(self) -> Any:
        if self.log_handle is None:
            self.log_handle = self.log.open("ab")
        return self.log_handle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def mirco(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-c", "from lti_tool.cli import main; main()", *args], cwd=ROOT,
                                env=self.env, capture_output=True, text=True, timeout=300)
        if result.returncode:
            raise RuntimeError(f"mirco {' '.join(args)} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def start_web(self, workers: int) -> None:
        self.gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "packaging" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "lti_tool.wsgi:app"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self._log())
        wait_for(lambda: requests.get(self.url + "/readyz", timeout=2).status_code == 200, 60, "gunicorn")
        wait_for(lambda: len(self.worker_pids()) == workers, 30, "gunicorn workers")

    def worker_pids(self) -> list[int]:
        assert self.gunicorn is not None
        children = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def worker_holding(self, local_port: int) -> int | None:
        """The gunicorn worker whose TCP socket has this local port (an outgoing request it is waiting on)."""
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == local_port:
                    inodes.add(f"socket:[{fields[9]}]")
        for pid in self.worker_pids():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) in inodes:
                        return pid
                except OSError:
                    continue
        return None

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-c", "from lti_tool.cli import main; main()", "worker", "--idle", "0.2"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self._log())

    def stop(self) -> None:
        for process, sig in ((self.worker, signal.SIGINT), (self.gunicorn, signal.SIGTERM)):
            if process is not None and process.poll() is None:
                process.send_signal(sig)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
        if self.log_handle is not None:
            self.log_handle.close()


def tool_environment(instance: Path, database_url: str, port: int, lrs_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIRCO_", "PROMETHEUS_"))}
    env.update(
        MIRCO_INSTANCE_PATH=str(instance), MIRCO_DATABASE_URL=database_url, MIRCO_REDIS_URL=REDIS_URL,
        MIRCO_BASE_URL=f"http://127.0.0.1:{port}", MIRCO_COURSES_DIRS=str(FIXTURE_COURSES),
        MIRCO_SECURE_COOKIES="false", MIRCO_LRS_DEFAULT_KEY=LRS_KEY, MIRCO_LRS_DEFAULT_SECRET=LRS_SECRET,
        MIRCO_LRS_FORWARD_URLS=lrs_url + "/xapi", MIRCO_LRS_FORWARD_KEYS="fwd", MIRCO_LRS_FORWARD_SECRETS="fwd-secret",
        MIRCO_LOG_JSON="true", MIRCO_METRICS_ALLOW="127.0.0.1",
    )
    return env


# --- simulated learners -------------------------------------------------------------------------------------

QUIZ_ANSWERS = {"q-q1": "a", "q-q2": "true", "q-q6": "33"}
LESSONS = ("/play/lesson/m1-basics/m1-l1-definition", "/play/lesson/m1-basics/m1-l2-non-refoulement")
STATEMENTS_PER_LEARNER = 3
E2E_ACTIVITIES = "https://e2e.example.org/activities/"
"""Prefix of the activities the simulated learners' own xAPI statements are about."""


@dataclass
class Outcome:
    """What one simulated learner saw: every status code, and the statement ids the LRS accepted."""

    user: str
    statuses: list[int] = field(default_factory=list)
    trail: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    accepted_ids: list[str] = field(default_factory=list)
    connection_errors: int = 0
    quiz_passed: bool = False


class Learner:
    """A learner's browser: launch from the platform, read two lessons, submit the quiz, send xAPI statements.

    A connection that breaks (a worker killed under it) is retried the way a person reloads the page; every
    xAPI statement carries its id, so a retried write is idempotent and can be counted.
    """

    def __init__(self, user: str, platform_url: str, tool_url: str,
                 on_response: Callable[[], None] | None = None) -> None:
        self.user, self.platform_url, self.tool_url = user, platform_url, tool_url
        self.http = requests.Session()
        self.outcome = Outcome(user)
        self.on_response = on_response

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        for attempt in range(30):
            started = time.perf_counter()
            try:
                response = self.http.request(method, url, timeout=60, **kwargs)
            except requests.ConnectionError:
                self.outcome.connection_errors += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            if url.startswith(self.tool_url):  # the platform's own pages are not the tool's speed
                self.outcome.latencies.append(time.perf_counter() - started)
            self.outcome.statuses.append(response.status_code)
            if self.on_response:
                self.on_response()
            self.outcome.trail.append(f"{method} {url.split('?')[0]} {response.status_code}")
            if response.status_code in (502, 503, 504) or response.status_code >= 500 and method == "GET":
                time.sleep(0.2 * (attempt + 1))  # a person reloads; the status is recorded all the same
                continue
            return response
        raise RuntimeError(f"{self.user}: {method} {url} kept failing")

    def _autopost(self, response: requests.Response) -> requests.Response:
        for _ in range(5):
            if response.status_code != 200 or "<form" not in response.text:
                return response
            doc = lxml.html.fromstring(response.text, base_url=response.url)
            form = next((doc.get_element_by_id(f, None) for f in ("autopost",)
                         if doc.get_element_by_id(f, None) is not None), None)
            if form is None:
                return response
            data = {i.get("name"): i.get("value") for i in form.findall(".//input")}
            response = self._request("POST", form.action, data=data)
        return response

    def launch(self) -> None:
        """Login initiation, id_token launch, first page; started over (new state and nonce) if it breaks."""
        for _ in range(3):
            page = self._autopost(self._request("GET", f"{self.platform_url}/start/resource/{self.user}?link=link-1"))
            if page.status_code == 200 and "/play/" in page.url:
                return
        raise RuntimeError(f"{self.user}: launch ended at {page.url} with {page.status_code}")

    def read_lessons(self) -> None:
        for path in LESSONS:
            self._request("GET", self.tool_url + path)

    def take_quiz(self) -> None:
        """Open the quiz and submit its form as a browser does: hidden fields (the launch id) plus answers."""
        page = self._request("GET", self.tool_url + "/play/quiz/m1-quiz")
        form = next(f for f in lxml.html.fromstring(page.text, base_url=page.url).forms
                    if any((i.get("name") or "").startswith("q-") for i in f.inputs))
        hidden = {i.get("name"): i.get("value") for i in form.findall(".//input")
                  if i.get("type") == "hidden" and i.get("name")}
        # three of six questions answered: the learner confirms (the form's `confirm`); a retried POST carries the
        # same submission token and lands on the same result
        result = self._request("POST", form.action or page.url, data={**hidden, **QUIZ_ANSWERS, "confirm": "1"})
        self.outcome.quiz_passed = result.status_code == 200 and "Passed" in result.text

    def send_statements(self) -> None:
        actor = {"account": {"homePage": self.platform_url, "name": self.user}}
        for n in range(STATEMENTS_PER_LEARNER):
            statement = {"id": str(uuid.uuid4()), "actor": actor,
                         "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                         "object": {"id": f"{E2E_ACTIVITIES}{n}"}}
            response = self._request("POST", self.tool_url + "/xapi/statements", json=statement,
                                     headers=XAPI_HEADERS, auth=(LRS_KEY, LRS_SECRET))
            if response.status_code == 200:
                self.outcome.accepted_ids.append(statement["id"])

    def run(self) -> Outcome:
        self.launch()
        self.read_lessons()
        self.take_quiz()
        self.send_statements()
        return self.outcome


# --- the assembled stack ---------------------------------------------------------------------------------

LEARNERS = 50


class Unavailable(RuntimeError):
    """A part of the stack (PostgreSQL binaries, Redis) is not on this machine."""


@dataclass
class Stack:
    tool: Tool
    postgres: PrivatePostgres
    platform: PlatformState
    platform_url: str
    ags_switch: Switch
    jwks_hold: Hold
    lrs: ExternalLRS
    responses: int = 0
    """HTTP answers the simulated learners got so far (to act in the middle of a run)."""

    def run_learners(self, users: list[str], threads: int | None = None) -> list[Outcome]:
        lock = threading.Lock()

        def answered() -> None:
            with lock:
                self.responses += 1

        with ThreadPoolExecutor(max_workers=threads or len(users)) as pool:
            return list(pool.map(lambda user: Learner(user, self.platform_url, self.tool.url, answered).run(), users))


def build_stack(directory: Path, workers: int, learners: int = LEARNERS,
                extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    if not PrivatePostgres.available():
        raise Unavailable("PostgreSQL server binaries (initdb) not installed")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        raise Unavailable(f"Redis not reachable at {REDIS_URL}") from None
    postgres = PrivatePostgres()
    port = free_port()
    lrs = ExternalLRS()
    lrs_server = ThreadedServer(lrs.app())
    state, ags_switch, jwks_hold, platform_app = make_platform(f"http://127.0.0.1:{port}", learners)
    platform_server = ThreadedServer(platform_app)
    state.issuer = platform_server.url
    env = tool_environment(directory / "instance", postgres.url, port, lrs_server.url) | (extra_env or {})
    tool = Tool(env, port, directory / "tool.log")
    try:
        tool.mirco("init")
        tool.mirco("platforms", "add", "--issuer", state.issuer, "--client-id", state.client_id,
                   "--deployment-id", state.deployment_id, "--auth-login-url", state.issuer + "/authorize",
                   "--auth-token-url", state.issuer + "/token", "--key-set-url", state.issuer + "/jwks")
        tool.start_web(workers)
        tool.start_worker()
        yield Stack(tool, postgres, state, platform_server.url, ags_switch, jwks_hold, lrs)
    finally:
        tool.stop()
        platform_server.stop()
        lrs_server.stop()
        postgres.stop()
