"""`mirco doctor`: every check reports ok or a problem with its fix; exit 2 when anything is wrong."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask, abort, jsonify

from lti_tool.cli import cli
from lti_tool.models import OutboxMessage, utcnow
from tests.conftest import make_test_app
from tests.ops.conftest import closed_port_url


def platform_facing(jwks: dict | None = None, broken: str = "") -> Flask:
    """Stands in for the public side (nginx + tool) that platforms call: login, launch, JWKS."""
    app = Flask("public")

    @app.route("/lti/login", methods=["GET", "POST"])
    def login():  # type: ignore[no-untyped-def]
        abort(500 if broken == "login" else 400)

    @app.post("/lti/launch")
    def launch():  # type: ignore[no-untyped-def]
        abort(400)

    @app.get("/lti/jwks.json")
    def key_set():  # type: ignore[no-untyped-def]
        return jsonify(jwks if jwks is not None else {"keys": [{"kty": "RSA", "kid": "k1", "n": "x", "e": "AQAB"}]})

    @app.get("/xapi/about")
    def about():  # type: ignore[no-untyped-def]
        return jsonify(version=["1.0.3"])

    return app


def write_key(app: Flask, mode: int = 0o600) -> Path:
    keys = app.extensions["mirco"].settings.keys_path
    keys.mkdir(parents=True, exist_ok=True)
    path = keys / "k1.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n")
    os.chmod(path, mode)
    return path


@pytest.fixture
def doctor(database_url: str, tmp_path: Path, serve):
    """`doctor(**settings) -> (exit code, output)` on a migrated database, against a healthy public side."""
    apps = []

    def run(public: Flask | None = None, with_key: bool = True, key_mode: int = 0o600, **overrides):
        base_url = overrides.pop("base_url", None) or serve(public or platform_facing()).url
        app = make_test_app(overrides.pop("database_url", database_url), tmp_path / f"instance{len(apps)}",
                            base_url=base_url, **overrides)
        apps.append(app)
        if with_key:
            write_key(app, key_mode)
        result = app.test_cli_runner().invoke(cli, ["doctor"])
        return result.exit_code, result.output, app

    yield run
    for app in apps:
        app.extensions["mirco"].db.dispose()


def lines(output: str, status: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(status)]


def test_healthy_installation_passes_every_check(doctor) -> None:
    code, output, _ = doctor()
    assert code == 0, output
    assert not lines(output, "PROBLEM") and output.rstrip().endswith("all checks passed")
    names = {line.split()[1] for line in lines(output, "ok")}
    assert {"configuration", "database", "migrations", "keys", "backlog", "public"} <= names
    assert len([line for line in lines(output, "ok") if "/lti/" in line]) == 3


def test_pending_migrations_and_missing_key(doctor, tmp_path: Path) -> None:
    code, output, _ = doctor(database_url=f"sqlite:///{tmp_path / 'new.sqlite3'}", with_key=False)
    assert code == 2
    assert "PROBLEM  migrations   not applied: " in output and "no private key in" in output
    assert output.count("fix: run `mirco init`") == 2


def test_private_key_readable_by_others(doctor) -> None:
    code, output, _ = doctor(key_mode=0o644)
    assert code == 2 and "has mode 0644: other users can read the private key" in output
    assert "fix: chmod 600 " in output


def test_database_unreachable(doctor) -> None:
    code, output, _ = doctor(database_url="postgresql://nobody@127.0.0.1:1/none")
    assert code == 2 and "PROBLEM  database     cannot connect (postgresql)" in output
    assert "check MIRCO_DATABASE_URL" in output


def test_redis_configured_but_down(doctor) -> None:
    code, output, _ = doctor(redis_url=closed_port_url().replace("http", "redis"))
    assert code == 2 and "PROBLEM  redis" in output and "Connection refused" in output


def test_public_urls_unreachable_404_500_and_empty_jwks(doctor, serve) -> None:
    code, output, _ = doctor(base_url=closed_port_url())
    assert code == 2 and len([line for line in lines(output, "PROBLEM") if "Connection refused" in line]) == 3

    code, output, _ = doctor(public=Flask("nothing-here"))
    assert code == 2 and output.count(": HTTP 404") == 3 and "nginx proxies this path" in output

    code, output, _ = doctor(public=platform_facing(broken="login"))
    assert code == 2 and "/lti/login: HTTP 500" in output

    code, output, _ = doctor(public=platform_facing(jwks={"keys": []}))
    assert code == 2 and "/lti/jwks.json: no keys in the JWKS" in output


def test_jwks_answering_garbage(doctor) -> None:
    public = Flask("garbage")
    for path in ("/lti/login", "/lti/launch", "/lti/jwks.json"):
        public.add_url_rule(path, path, lambda: "<html>not json</html>")
    code, output, _ = doctor(public=public)
    assert code == 2 and "no keys in the JWKS" in output


def test_configuration_problems(doctor) -> None:
    code, output, _ = doctor(demo=True, lrs_forward_urls=("https://a", "https://b"), lrs_forward_keys=("k",),
                             lrs_forward_secrets=("s",))
    assert code == 2
    assert "MIRCO_DEMO is on" in output and "have 2/1/1 entries" in output


def test_http_base_url_on_a_public_host_is_a_problem(doctor) -> None:
    code, output, _ = doctor(base_url="http://mirco.invalid")
    assert code == 2 and "platforms require HTTPS" in output and "Name or service not known" in output


def test_lrs_forward_target_down_and_up(doctor, serve) -> None:
    code, output, _ = doctor(lrs_forward_urls=(closed_port_url() + "/xapi",), lrs_forward_keys=("k",),
                             lrs_forward_secrets=("s",))
    assert code == 2 and "PROBLEM  lrs forward" in output and "statements wait in the queue" in output
    lrs = serve(platform_facing())
    code, output, _ = doctor(lrs_forward_urls=(lrs.url + "/xapi",), lrs_forward_keys=("k",),
                             lrs_forward_secrets=("s",))
    assert code == 0, output
    assert f"ok       lrs forward  {lrs.url}/xapi answers" in output


def test_stale_and_failed_outbox_entries(doctor) -> None:
    code, output, app = doctor()
    assert code == 0
    with app.extensions["mirco"].db.transaction() as session:
        session.add_all([OutboxMessage(kind="ags_score", payload={}, created_at=utcnow() - timedelta(hours=1)),
                         OutboxMessage(kind="ags_score", payload={}, created_at=utcnow(), failed_at=utcnow())])
    result = app.test_cli_runner().invoke(cli, ["doctor"])
    assert result.exit_code == 2
    assert "outbox:ags_score: 1 waiting, oldest 60 min old" in result.output
    assert "start `mirco worker`" in result.output and "outbox:ags_score: 1 given up for good" in result.output
    assert "ok       backlog" not in result.output
