"""LTI launch benchmark: complete launches per second and p50/p95 latency, the tool vs a plain pylti1p3 tool.

A complete launch is what a browser does when a learner clicks the activity in Moodle: OIDC login initiation
(GET /lti/login), the id_token POST to /lti/launch (state cookie, signature, nonce, deployment checks, rows
written) and the first page the launch redirects to. This script plays the platform: it signs each id_token with
the nonce the tool chose at login. Both tools run under gunicorn (sync workers) on 127.0.0.1 with 1, 2 and 4
workers; the MIRCO tool on SQLite and PostgreSQL (launch store in the database, and in Redis when reachable),
the plain pylti1p3 example tool (ToolConfDict + FlaskCacheDataStorage on Redis, no database) for the ratio.
The browsers run in several client processes (`--processes`), so the client's GIL is not what is measured.
Each line also gives the CPU time per launch of the tool's workers and of the database (PostgreSQL or Redis)
processes: clients, tool and database share this machine's cores, so launches/s is bounded by all three, while
the tool's own cost per launch is what a deployment on its own cores would scale with.
Prints figures, asserts nothing. Bounded: `--seconds` per configuration (default 6). Each line shows the load
average: on a machine shared with other jobs the figures are only comparable within similar load.

    .venv/bin/python bench/lti_launch.py
    .venv/bin/python bench/lti_launch.py --seconds 10 --workers 2 --clients 8
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES = os.environ.get("MIRCO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("MIRCO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ISSUER, CLIENT_ID, DEPLOYMENT = "https://moodle.bench.example", "bench-client", "1"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def platform_key() -> tuple[rsa.RSAPrivateKey, dict]:
    """The platform's key object (loaded once: parsing a PEM costs ~40 ms) and its key set."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    jwk = json.loads(JWK.from_pem(public.encode()).export_public())
    jwk.update(kid="bench-kid", alg="RS256", use="sig")
    return key, {"keys": [jwk]}


@dataclass
class Target:
    name: str
    base: str
    login_path: str
    launch_path: str


class Browser:
    """A fresh browser for one launch: a cookie jar over plain http.client. requests cost ~3 ms of client CPU per
    launch more, on the same 2 cores as the tool: the client would eat the capacity it is meant to measure."""

    def __init__(self, base: str) -> None:
        self.netloc = urlsplit(base).netloc
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, form: dict | None = None) -> tuple[int, dict[str, str], bytes]:
        """One request on a new connection (gunicorn's sync workers close each one); keeps the cookies set."""
        parts = urlsplit(url)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.netloc, timeout=30)
        try:
            connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body, headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for value in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content


def one_launch(target: Target, platform: rsa.RSAPrivateKey, user: str, link: str) -> float:
    """One complete launch with a fresh browser (cookie jar): login, id_token POST, the page it redirects to;
    returns seconds."""
    started = time.perf_counter()
    browser = Browser(target.base)
    status, headers, _ = browser.request("GET", target.base + target.login_path + "?" + urlencode({
        "iss": ISSUER, "login_hint": user, "client_id": CLIENT_ID, "lti_deployment_id": DEPLOYMENT,
        "target_link_uri": target.base + target.launch_path}))
    if status != 302:
        raise RuntimeError(f"{target.name} login: HTTP {status}")
    query = parse_qs(urlsplit(headers["location"]).query)
    now = int(time.time())
    token = jwt.encode({
        "iss": ISSUER, "aud": CLIENT_ID, "azp": CLIENT_ID, "sub": user, "iat": now, "exp": now + 300,
        "nonce": query["nonce"][0], "name": user, LTI + "deployment_id": DEPLOYMENT,
        LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0", LTI + "roles": [LEARNER],
        LTI + "resource_link": {"id": link, "title": "Bench link"},
        LTI + "context": {"id": "bench-course", "title": "Bench course"},
        LTI + "target_link_uri": target.base + target.launch_path, LTI + "custom": {"course": "mini-course"},
    }, platform, algorithm="RS256", headers={"kid": "bench-kid"})
    status, headers, body = browser.request("POST", target.base + target.launch_path,
                                            {"id_token": token, "state": query["state"][0]})
    if status not in (302, 303):
        raise RuntimeError(f"{target.name} launch: HTTP {status} {body[:300]!r}")
    status, _, body = browser.request("GET", urljoin(target.base + target.launch_path, headers["location"]))
    if status != 200:
        raise RuntimeError(f"{target.name} first page: HTTP {status} {body[:300]!r}")
    return time.perf_counter() - started


def _browsers(target: Target, platform_pem: bytes, start_at: float, seconds: float, threads: int,
              first: int) -> tuple[list, list, float]:
    """One client process: `threads` browsers launching from wall-clock `start_at` for `seconds`; also returns
    the CPU seconds the process spent (signing tokens, HTTP)."""
    platform = serialization.load_pem_private_key(platform_pem, password=None)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    time.sleep(max(0.0, start_at - time.time()))  # every process starts the same measured window
    deadline = time.perf_counter() + seconds
    cpu_start = time.process_time()

    def browser(index: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            try:
                took = one_launch(target, platform, f"user-{index}-{n % 50}", f"link-{n % 5}")
            except (RuntimeError, OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(str(exc))
                continue
            with lock:
                latencies.append(took)

    pool = [threading.Thread(target=browser, args=(first + i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, errors, time.process_time() - cpu_start


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each of these processes has used so far (from /proc; gone processes left out)."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)
    return used


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two samples by the processes alive at both."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def store_pids() -> list[int]:
    """The PostgreSQL and Redis server processes: the database work of a launch runs there, on the same cores."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() in ("postgres", "redis-server"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def measure(target: Target, platform: rsa.RSAPrivateKey, seconds: float, clients: int, processes: int,
            server: subprocess.Popen) -> dict:
    """`clients` concurrent browsers spread over `processes` client processes (one Python process with threads
    tops out near 150 launches/s here: the client, not the tool, would be measured). Also the CPU time the
    tool's workers and the database/Redis processes spent per launch: on 2 cores shared with the clients that
    is the figure that says what the tool itself costs."""
    for _ in range(3):  # warm up: workers import, connect, cache the key set
        one_launch(target, platform, "warmup", "link-0")
    pem = platform.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    start_at = time.time() + 3.0  # time for the spawned processes to import
    workers, stores = children(server.pid), store_pids()
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_browsers, target, pem, start_at, seconds, share, sum(shares[:i]))
                   for i, share in enumerate(shares) if share]
        time.sleep(max(0.0, start_at - time.time()))
        tool_before, store_before = cpu_seconds(workers), cpu_seconds(stores)
        results = [future.result() for future in futures]
        tool_cpu = cpu_spent(tool_before, cpu_seconds(workers))
        store_cpu = cpu_spent(store_before, cpu_seconds(stores))
    latencies = sorted(x for got, _, _ in results for x in got)
    errors = [e for _, failed, _ in results for e in failed]
    client_cpu = sum(cpu for _, _, cpu in results)
    pct = (lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000) if latencies else (lambda p: 0)
    return {"launches": len(latencies), "per_s": len(latencies) / seconds, "p50": pct(0.50),
            "p95": pct(0.95), "mean": statistics.mean(latencies) * 1000 if latencies else 0, "errors": len(errors),
            "tool_cpu_ms": tool_cpu * 1000 / max(1, len(latencies)),
            "store_cpu_ms": store_cpu * 1000 / max(1, len(latencies)),
            "client_cpu_ms": client_cpu * 1000 / max(1, len(latencies)),
            "first_error": errors[0] if errors else ""}


def wait_up(url: str, process: subprocess.Popen, log: Path) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")


def gunicorn(app_spec: str, workers: int, port: int, env: dict, cwd: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app_spec, "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--worker-class", "sync", "--log-level", "warning", "--backlog", "2048"],
        cwd=cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


# --- the MIRCO tool -------------------------------------------------------------------------------------------
def prepare_mirco(database_url: str, instance: Path, base: str, jwks: dict, redis_url: str) -> dict:
    from lti_tool.app import create_app
    from lti_tool.cli import initialise
    from lti_tool.lti.registration import PlatformDetails, add_platform
    from lti_tool.state import app_state

    config = {"database_url": database_url, "instance_path": instance, "base_url": base, "secure_cookies": False,
              "courses_dirs": (ROOT / "tests" / "fixtures" / "courses",), "redis_url": redis_url}
    app = create_app(config)
    initialise(app)
    with app_state(app).db.transaction() as session:
        platform, _ = add_platform(session, PlatformDetails(
            issuer=ISSUER, client_id=CLIENT_ID, deployment_id=DEPLOYMENT, auth_login_url=ISSUER + "/auth",
            auth_token_url=ISSUER + "/token", key_set_url=ISSUER + "/jwks"), "manual")
        platform.key_set = jwks  # the platform's keys handed over, as a cached key set would be
    app_state(app).db.dispose()
    return {**os.environ, "MIRCO_DATABASE_URL": database_url, "MIRCO_INSTANCE_PATH": str(instance),
            "MIRCO_BASE_URL": base, "MIRCO_SECURE_COOKIES": "0", "MIRCO_REDIS_URL": redis_url,
            "MIRCO_COURSES_DIRS": str(ROOT / "tests" / "fixtures" / "courses"), "PYTHONPATH": str(ROOT)}


def fresh_postgres() -> tuple[str, str]:
    import psycopg

    name = f"mirco_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES.rsplit("/", 1)[0] + "/" + name, name


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a plain pylti1p3 example tool (as in pylti1p3's Flask example: ToolConfDict + cache storage) ---------------
EXAMPLE_TOOL = '''
import json, os, redis
from flask import Flask, request, redirect, url_for
from pylti1p3.contrib.flask import (FlaskCacheDataStorage, FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest)
from pylti1p3.tool_config import ToolConfDict

class RedisCache:
    def __init__(self, url):
        self.r = redis.Redis.from_url(url)
    def get(self, key):
        raw = self.r.get(key)
        return None if raw is None else json.loads(raw)
    def set(self, key, value, exp=None):
        self.r.set(key, json.dumps(value), ex=exp or 7200)

settings = json.loads(os.environ["EXAMPLE_TOOL_CONF"])
cache = RedisCache(os.environ["EXAMPLE_REDIS_URL"])
app = Flask(__name__)
app.secret_key = "bench"

ISS = settings["issuer"]
TOOL = {ISS: settings["tool"][ISS]}


def tool_conf():
    conf = ToolConfDict(TOOL)
    conf.set_private_key(ISS, settings["private"], client_id=settings["client_id"])
    conf.set_public_key(ISS, settings["public"], client_id=settings["client_id"])
    return conf

def storage():
    s = FlaskCacheDataStorage(cache)
    s._cache = cache
    return s

@app.route("/login/", methods=["GET", "POST"])
def login():
    oidc = FlaskOIDCLogin(FlaskRequest(), tool_conf(), launch_data_storage=storage())
    return oidc.redirect(request.values["target_link_uri"])

@app.route("/launch/", methods=["POST"])
def launch():
    message = FlaskMessageLaunch(FlaskRequest(), tool_conf(), launch_data_storage=storage())
    data = message.get_launch_data()
    return redirect(url_for("game", launch_id=message.get_launch_id()))

@app.get("/game/<launch_id>/")
def game(launch_id):
    message = FlaskMessageLaunch.from_cache(launch_id, FlaskRequest(), tool_conf(), launch_data_storage=storage())
    data = message.get_launch_data()
    return "<h1>Hello " + data.get("name", "") + "</h1>"
'''


def prepare_example(folder: Path, jwks: dict, redis_url: str) -> dict:
    from lti_tool.demo.platform import new_private_key_pem, public_pem_of

    tool_private = new_private_key_pem()
    (folder / "example_tool.py").write_text(textwrap.dedent(EXAMPLE_TOOL))
    conf = {"issuer": ISSUER, "client_id": CLIENT_ID, "private": tool_private, "public": public_pem_of(tool_private),
            "tool": {ISSUER: [{"default": True, "client_id": CLIENT_ID, "auth_login_url": ISSUER + "/auth",
                               "auth_token_url": ISSUER + "/token", "key_set": jwks, "key_set_url": None,
                               "private_key_file": None, "deployment_ids": [DEPLOYMENT]}]}}
    return {**os.environ, "EXAMPLE_TOOL_CONF": json.dumps(conf), "EXAMPLE_REDIS_URL": redis_url}


def redis_reachable() -> bool:
    import redis

    try:
        redis.Redis.from_url(REDIS).ping()
        return True
    except redis.RedisError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="measured time per configuration")
    parser.add_argument("--clients", type=int, default=8, help="concurrent browsers")
    parser.add_argument("--processes", type=int, default=2, help="client processes the browsers are spread over")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--backends", nargs="*", default=["sqlite", "postgresql", "postgresql+redis", "example"])
    args = parser.parse_args()
    platform, jwks = platform_key()
    have_redis = redis_reachable()
    rows = []
    print(f"{os.cpu_count()} CPU(s); {args.clients} concurrent browsers in {args.processes} client processes; "
          f"{args.seconds:g} s per configuration")
    for backend in args.backends:
        if ("redis" in backend or backend == "example") and not have_redis:
            print(f"skip {backend}: Redis not reachable at {REDIS}")
            continue
        for workers in args.workers:
            with tempfile.TemporaryDirectory() as tmp:
                folder, port = Path(tmp), free_port()
                base = f"http://127.0.0.1:{port}"
                pg_name = None
                if backend == "example":
                    env = prepare_example(folder, jwks, REDIS)
                    process = gunicorn("example_tool:app", workers, port, env, folder, folder / "gunicorn.log")
                    target = Target(f"pylti1p3 example, {workers}w", base, "/login/", "/launch/")
                else:
                    if backend.startswith("postgresql"):
                        database_url, pg_name = fresh_postgres()
                    else:
                        database_url = f"sqlite:///{folder / 'bench.sqlite3'}"
                    env = prepare_mirco(database_url, folder / "instance", base, jwks,
                                        REDIS if "redis" in backend else "")
                    process = gunicorn("lti_tool.wsgi:app", workers, port, env, ROOT, folder / "gunicorn.log")
                    target = Target(f"MIRCO {backend}, {workers}w", base, "/lti/login", "/lti/launch")
                try:
                    wait_up(base + target.login_path, process, folder / "gunicorn.log")
                    result = measure(target, platform, args.seconds, args.clients, args.processes, process)
                finally:
                    stop(process)
                    if pg_name:
                        drop_postgres(pg_name)
            rows.append((target.name, result))
            print(f"{target.name:34} {result['per_s']:7.1f} launches/s   p50 {result['p50']:6.1f} ms   "
                  f"p95 {result['p95']:6.1f} ms   CPU/launch: tool {result['tool_cpu_ms']:4.1f} ms, "
                  f"database {result['store_cpu_ms']:4.1f} ms, client {result['client_cpu_ms']:4.1f} ms   "
                  f"({result['launches']} launches, {result['errors']} errors, "
                  f"load average {os.getloadavg()[0]:.1f})"
                  + (f"  first error: {result['first_error'][:120]}" if result["errors"] else ""), flush=True)
    example = {name.split(", ")[1]: r for name, r in rows if name.startswith("pylti1p3")}
    for name, result in rows:
        if name.startswith("MIRCO") and name.split(", ")[1] in example and example[name.split(", ")[1]]["per_s"]:
            ratio = result["per_s"] / example[name.split(", ")[1]]["per_s"]
            print(f"ratio {name:34} {ratio:5.2f} x the plain pylti1p3 tool")


if __name__ == "__main__":
    main()
