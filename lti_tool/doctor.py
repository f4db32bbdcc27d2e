"""`mirco doctor`: is this installation ready for platforms and learners? Each check says ok or what to fix."""
from __future__ import annotations

import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import click
import requests
from flask.cli import with_appcontext
from lti_tool.backlog import outbox_backlog
from lti_tool.checks import Check, reason_of, check_database, check_migrations, check_redis
from lti_tool.config import Settings
from lti_tool.install_checks import check_catalogues, check_vendored_runtime
from lti_tool.state import app_state

STALE_BACKLOG_SECONDS = 15 * 60
"""An entry older than this means nothing drains the queue: `mirco worker` is down or a target refuses."""
PUBLIC_ENDPOINTS = ("/lti/login", "/lti/launch", "/lti/jwks.json")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
TIMEOUT_SECONDS = 5


def check_configuration(settings: Settings) -> list[Check]:
    problems = list(_configuration_problems(settings))
    return problems or [Check("configuration", True, f"base URL {settings.base_url}, "
                                                      f"database {settings.database_url.split(':')[0]}")]


def _configuration_problems(settings: Settings) -> Iterator[Check]:
    host = urlsplit(settings.base_url).hostname or ""
    if settings.base_url.startswith("http://") and host not in LOOPBACK_HOSTS:
        yield Check("configuration", False, f"MIRCO_BASE_URL is {settings.base_url}: platforms require HTTPS",
                    "serve the tool over HTTPS (packaging/nginx-mirco.conf) and set MIRCO_BASE_URL=https://...")
    if settings.demo:
        yield Check("configuration", False, "MIRCO_DEMO is on: /demo lets anyone launch without a platform",
                    "unset MIRCO_DEMO (it is for trying the tool on a laptop only)")
    if not settings.secure_cookies and host not in LOOPBACK_HOSTS:
        yield Check("configuration", False, "MIRCO_SECURE_COOKIES is off: launches in Moodle iframes will fail",
                    "unset MIRCO_SECURE_COOKIES (default on)")
    forwards = (len(settings.lrs_forward_urls), len(settings.lrs_forward_keys), len(settings.lrs_forward_secrets))
    if len(set(forwards)) > 1:
        yield Check("configuration", False, "MIRCO_LRS_FORWARD_URLS/_KEYS/_SECRETS have {}/{}/{} entries".format(
            *forwards), "give one key and one secret per forward URL, in the same order")


def check_keys(keys_path: Path) -> list[Check]:
    """Private keys present, readable by the tool and by nobody else."""
    private = [p for p in sorted(keys_path.glob("*.pem")) if p.is_file()] if keys_path.is_dir() else []
    if not private:
        return [Check("keys", False, f"no private key in {keys_path}", "run `mirco init` (creates the signing key)")]
    exposed = [(path, stat.S_IMODE(path.stat().st_mode)) for path in private]
    problems = [Check("keys", False, f"{path} has mode {mode:04o}: other users can read the private key",
                      f"chmod 600 {path}  (then `mirco keys rotate`: the key may have leaked)")
                for path, mode in exposed if mode & 0o077]
    return problems or [Check("keys", True, f"{len(private)} private key(s) in {keys_path}, mode 0600")]


def check_backlog(settings: Settings) -> list[Check]:
    queues = outbox_backlog(app_state().db.engine, settings.lrs_forward_urls)
    problems = []
    for queue in queues:
        if queue.depth and queue.oldest_age_seconds > STALE_BACKLOG_SECONDS:
            problems.append(Check("backlog", False, f"{queue.name}: {queue.depth} waiting, oldest "
                                  f"{queue.oldest_age_seconds / 60:.0f} min old",
                                  "start `mirco worker` (systemctl start mirco-worker) and read its log for refusals"))
        if queue.failed:
            problems.append(Check("backlog", False, f"{queue.name}: {queue.failed} given up for good",
                                  "read their last error (`mirco lrs stats` / the outbox table) and fix the target"))
    waiting = [f"{q.name}: {q.depth}" for q in queues if q.depth]
    return problems or [Check("backlog", True, f"waiting: {', '.join(waiting)}" if waiting else "nothing waiting")]


def _probe(url: str, **kwargs) -> requests.Response | str:  # type: ignore[no-untyped-def]
    """The response, or why there was none (DNS, refused, TLS certificate, timeout)."""
    try:
        return requests.get(url, timeout=TIMEOUT_SECONDS, allow_redirects=False, **kwargs)
    except requests.exceptions.SSLError as exc:
        return f"TLS certificate not accepted: {reason_of(exc)}"
    except requests.Timeout:
        return f"no answer within {TIMEOUT_SECONDS} s"
    except requests.RequestException as exc:
        errno = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc))
        return errno.group(0) if errno else reason_of(exc)


def check_forward_targets(settings: Settings) -> Iterator[Check]:
    for index, url in enumerate(settings.lrs_forward_urls):
        key = settings.lrs_forward_keys[index] if index < len(settings.lrs_forward_keys) else ""
        secret = settings.lrs_forward_secrets[index] if index < len(settings.lrs_forward_secrets) else ""
        answer = _probe(url.rstrip("/") + "/about", auth=(key, secret) if key else None,
                        headers={"X-Experience-API-Version": "1.0.3"})
        if isinstance(answer, str) or answer.status_code != 200:
            why = answer if isinstance(answer, str) else f"HTTP {answer.status_code}"
            yield Check("lrs forward", False, f"{url}/about: {why}",
                        "check the URL (the LRS endpoint, ending before /statements), firewall and TLS; "
                        "statements wait in the queue meanwhile")
        else:
            yield Check("lrs forward", True, f"{url} answers")


def check_public_urls(settings: Settings) -> Iterator[Check]:
    """What platforms call must answer from outside: no 404, no 5xx, a JWKS with keys."""
    for endpoint in PUBLIC_ENDPOINTS:
        url = settings.base_url.rstrip("/") + endpoint
        answer = _probe(url)
        if isinstance(answer, str):
            yield Check("public url", False, f"{url}: {answer}",
                        "check DNS, the nginx site, the TLS certificate and that gunicorn runs (mirco-web)")
        elif answer.status_code == 404 or answer.status_code >= 500:
            yield Check("public url", False, f"{url}: HTTP {answer.status_code}",
                        "check that nginx proxies this path to gunicorn and MIRCO_BASE_URL is the public URL")
        elif endpoint.endswith("jwks.json") and not _has_keys(answer):
            yield Check("public url", False, f"{url}: no keys in the JWKS", "run `mirco init` (creates the key)")
        else:
            yield Check("public url", True, f"{url} answers (HTTP {answer.status_code})")


def _has_keys(answer: requests.Response) -> bool:
    try:
        return bool(answer.json().get("keys"))
    except (ValueError, AttributeError):
        return False


def run_checks() -> list[Check]:
    """Every check, in the order an administrator fixes things."""
    settings = app_state().settings
    engine = app_state().db.engine
    checks = [check_catalogues(), check_vendored_runtime()] + check_configuration(settings)
    database = check_database(engine)
    migrations = check_migrations(engine) if database.ok else None
    checks += [database] + ([migrations] if migrations else [])
    checks += check_keys(settings.keys_path)
    if settings.redis_url:
        checks.append(check_redis(settings.redis_url))
    if migrations and migrations.ok:
        checks += check_backlog(settings)
    checks += check_forward_targets(settings)
    checks += check_public_urls(settings)
    return checks


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check the installation, configuration, database, migrations, keys, Redis, queues, LRS targets, public URLs."""
    checks = run_checks()
    for check in checks:
        click.echo(f"{'ok' if check.ok else 'PROBLEM':8} {check.name:12} {check.detail}")
        if not check.ok:
            click.echo(f"{'':8} {'':12} fix: {check.fix}")
    problems = sum(not c.ok for c in checks)
    click.echo(f"{problems} problem(s)" if problems else "all checks passed")
    sys.exit(2 if problems else 0)
