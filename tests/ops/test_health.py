"""/healthz, /readyz and /metrics, on both databases; metrics summed across processes as under gunicorn."""
from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from lti_tool import metrics
from lti_tool.models import OutboxMessage, utcnow
from tests.conftest import ROOT, empty_all_tables, make_test_app
from tests.ops.conftest import closed_port_url

SCRAPER = ("127.0.0.1",)  # the test client's address: allowed to read /metrics (closed unless configured)


@pytest.fixture
def app(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    application = make_test_app(database_url, tmp_path / "instance", metrics_allow=SCRAPER)
    yield application
    application.extensions["mirco"].db.dispose()
    empty_all_tables(database_url)


def samples(body: bytes) -> dict[tuple[str, tuple], float]:
    """Parse the exposition text (so malformed output fails the test) into {(name, labels): value}."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def test_healthz_answers_without_touching_the_database(tmp_path: Path) -> None:
    app = make_test_app("postgresql://nobody@127.0.0.1:1/none", tmp_path / "instance")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_ready_on_a_migrated_database(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}


def test_readyz_not_ready_before_migrations(tmp_path: Path) -> None:
    app = make_test_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path / "instance")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"].startswith("not applied: ")


def test_readyz_not_ready_without_database(tmp_path: Path) -> None:
    app = make_test_app("postgresql://nobody@127.0.0.1:1/none", tmp_path / "instance")
    body = app.test_client().get("/readyz", headers={"Accept": "application/json"})
    assert body.status_code == 503
    checks = body.get_json()["checks"]
    assert checks["database"].startswith("cannot connect (postgresql)") and "no database" in checks["migrations"]


def test_readyz_checks_redis_when_configured(database_url: str, tmp_path: Path) -> None:
    down = make_test_app(database_url, tmp_path / "a", redis_url=closed_port_url().replace("http", "redis"))
    response = down.test_client().get("/readyz")
    assert response.status_code == 503 and "Connection refused" in response.get_json()["checks"]["redis"]
    down.extensions["mirco"].db.dispose()


def test_readyz_with_a_live_redis(database_url: str, tmp_path: Path) -> None:
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    app = make_test_app(database_url, tmp_path / "i", redis_url="redis://127.0.0.1:6379/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"]["redis"] == "ok"
    app.extensions["mirco"].db.dispose()


def test_metrics_counters_and_request_histogram(client) -> None:
    before = samples(client.get("/metrics").data)
    metrics.count_launch("LtiResourceLinkRequest")
    metrics.count_launch("LtiDeepLinkingRequest")
    metrics.count_ags_failure("http 503")
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    after = samples(response.data)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("mirco_lti_launches_total", message_type="LtiResourceLinkRequest") == 1
    assert delta("mirco_lti_launches_total", message_type="LtiDeepLinkingRequest") == 1
    assert delta("mirco_ags_failures_total", reason="http 503") == 1
    assert delta("mirco_http_request_duration_seconds_count", method="GET", status="200") >= 2


def test_outbox_gauges_count_waiting_and_failed_messages(app, client) -> None:
    now = utcnow()
    with app.extensions["mirco"].db.transaction() as session:
        session.add_all([
            OutboxMessage(kind="ags_score", payload={}, created_at=now - timedelta(minutes=10)),
            OutboxMessage(kind="ags_score", payload={}, created_at=now - timedelta(minutes=2)),
            OutboxMessage(kind="ags_score", payload={}, created_at=now - timedelta(hours=3), sent_at=now),
            OutboxMessage(kind="ags_score", payload={}, created_at=now - timedelta(hours=2), failed_at=now),
        ])
    values = samples(client.get("/metrics").data)
    label = (("outbox", "outbox:ags_score"),)
    assert values[("mirco_outbox_depth", label)] == 2
    assert values[("mirco_outbox_failed", label)] == 1
    assert 600 <= values[("mirco_outbox_oldest_age_seconds", label)] < 3600


def test_lrs_forward_backlog_counts_statements_past_the_targets_cursor(database_url: str, tmp_path: Path) -> None:
    from xapi.service import store_statements
    from xapi.storage import forward_cursor, statement

    target = "https://lrs.example.org/xapi"
    app = make_test_app(database_url, tmp_path / "instance", lrs_forward_urls=(target,), metrics_allow=SCRAPER)
    db = app.extensions["mirco"].db
    actor = {"account": {"homePage": "https://moodle.example.org", "name": "learner-1"}}
    verb = {"id": "http://adlnet.gov/expapi/verbs/experienced"}
    with db.transaction() as session:
        store_statements(session, [{"id": str(uuid.uuid4()), "actor": actor, "verb": verb,
                                    "object": {"id": f"https://mirco.example.org/a/{n}"}} for n in range(3)])
    with db.transaction() as session:
        first = session.scalar(statement.select().with_only_columns(statement.c.seq).order_by(statement.c.seq))
        session.execute(forward_cursor.insert().values(target=target, last_seq=first, attempts=0,
                                                       next_attempt_us=0))
    values = samples(app.test_client().get("/metrics").data)
    assert values[("mirco_outbox_depth", (("outbox", f"lrs-forward:{target}"),))] == 2
    assert values[("mirco_xapi_statements_stored_total", ())] == 3  # every writer counts, read from the table
    db.dispose()


def test_counters_from_several_processes_add_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What gunicorn workers do: each process writes its own files into PROMETHEUS_MULTIPROC_DIR."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    code = ("from lti_tool import metrics\n"
            "metrics.count_launch('LtiResourceLinkRequest'); metrics.count_ags_failure('Timeout')\n")
    for _ in range(3):
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60,
                       env={"PROMETHEUS_MULTIPROC_DIR": str(directory), "PATH": "/usr/bin:/bin"})
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    app = make_test_app(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path / "instance", metrics_allow=SCRAPER)
    values = samples(app.test_client().get("/metrics").data)
    assert values[("mirco_lti_launches_total", (("message_type", "LtiResourceLinkRequest"),))] == 3
    assert values[("mirco_ags_failures_total", (("reason", "Timeout"),))] == 3


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_refuse_writes_with_a_clear_4xx(client, path: str) -> None:
    response = client.post(path, data="x" * 100_000)
    assert response.status_code == 405


TOKEN = "scrape-" + "s3cret" * 4


@pytest.fixture
def metrics_server(database_url: str, tmp_path: Path, serve):  # type: ignore[no-untyped-def]
    """serve_metrics(**settings) -> base URL of the tool on a real port."""
    apps = []

    def start(**settings) -> str:  # type: ignore[no-untyped-def]
        apps.append(make_test_app(database_url, tmp_path / f"instance-{len(apps)}", **settings))
        return serve(apps[-1]).url

    yield start
    for application in apps:
        application.extensions["mirco"].db.dispose()


def test_metrics_are_closed_unless_configured(metrics_server) -> None:
    import requests

    url = metrics_server()
    closed = requests.get(url + "/metrics", headers={"Authorization": "Bearer anything"}, timeout=10)
    assert closed.status_code == 404 and "mirco_" not in closed.text


def test_metrics_with_a_bearer_token(metrics_server) -> None:
    import requests

    url = metrics_server(metrics_token=TOKEN)
    assert requests.get(url + "/metrics", timeout=10).status_code == 403
    for wrong in ("Bearer " + TOKEN[:-1], "Bearer " + TOKEN + "x", TOKEN, "Basic " + TOKEN, "Bearer \u00e9" * 3000):
        refused = requests.get(url + "/metrics", headers={"Authorization": wrong.encode("utf-8")}, timeout=10)
        assert refused.status_code in (403, 431) and "mirco_" not in refused.text, wrong[:40]
    scraped = requests.get(url + "/metrics", headers={"Authorization": "Bearer " + TOKEN}, timeout=10)
    assert scraped.status_code == 200 and "mirco_lti_launches_total" in scraped.text


def test_metrics_for_allowed_addresses_only(metrics_server) -> None:
    import requests

    assert requests.get(metrics_server(metrics_allow=("10.0.0.0/8", "::1"))
                        + "/metrics", timeout=10).status_code == 403
    allowed = requests.get(metrics_server(metrics_allow=("127.0.0.0/8",)) + "/metrics", timeout=10)
    assert allowed.status_code == 200 and "mirco_http_request_duration_seconds" in allowed.text


def test_metrics_behind_the_proxy_judge_the_forwarded_client(database_url: str, tmp_path: Path) -> None:
    app = make_test_app(database_url, tmp_path / "instance", metrics_allow=SCRAPER, proxy_fix=1)
    outside = app.test_client().get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert outside.status_code == 403
    local = app.test_client().get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert local.status_code == 200
    app.extensions["mirco"].db.dispose()


@pytest.mark.parametrize("settings, name", [({"metrics_token": "short"}, "MIRCO_METRICS_TOKEN"),
                                            ({"metrics_allow": ("localhost",)}, "MIRCO_METRICS_ALLOW")])
def test_metrics_settings_are_checked(tmp_path: Path, settings: dict, name: str) -> None:
    from lti_tool.config import ConfigError

    with pytest.raises(ConfigError, match=name):
        make_test_app("sqlite://", tmp_path / "instance", **settings)
