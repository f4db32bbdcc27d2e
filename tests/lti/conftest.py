"""Fixtures: the tool served on 127.0.0.1, a third-party platform (lti1p3platform) served next to it, and a
JWKS server for hand-crafted hostile launches."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, Response, jsonify

from lti_tool.cli_lti import ensure_keys
from lti_tool.demo.platform import PlatformState, platform_blueprint
from lti_tool.lti.registration import PlatformDetails, add_platform
from lti_tool.state import app_state
from tests.conftest import empty_all_tables, make_test_app
from tests.lti.support import Server, jwks_of, rsa_key
from tests.servers import free_port


@dataclass
class Tool:
    app: Flask
    url: str


@dataclass
class Platform:
    state: PlatformState
    url: str


def register(app: Flask, issuer: str, client_id: str, deployment_id: str, key_set_url: str,
             auth_base: str | None = None, auth_path: str = "/authorize") -> int:
    """`auth_path="/mod/lti/auth.php"` registers the platform the way Moodle is registered."""
    base = auth_base or issuer
    with app_state(app).db.transaction() as session:
        platform, _ = add_platform(session, PlatformDetails(
            issuer=issuer, client_id=client_id, deployment_id=deployment_id, auth_login_url=base + auth_path,
            auth_token_url=base + "/token", key_set_url=key_set_url), "manual")
        return platform.id


def build_tool(database_url: str, instance: Path, port: int, **overrides) -> Flask:
    overrides.setdefault("secure_cookies", False)  # requests and the test client only send Secure cookies on https
    app = make_test_app(database_url, instance, base_url=f"http://127.0.0.1:{port}", **overrides)
    ensure_keys(app)
    return app


@contextmanager
def served_tool(database_url: str, instance: Path, **overrides) -> Iterator[Tool]:
    """The tool on a real port; its tables emptied afterwards."""
    port = free_port()
    app = build_tool(database_url, instance, port, **overrides)
    server = Server(app, port)
    try:
        yield Tool(app, server.url)
    finally:
        server.close()
        app_state(app).db.dispose()
        empty_all_tables(database_url)


@pytest.fixture
def tool(database_url: str, tmp_path: Path):
    """The tool on a real port (sessions, launches and services over real HTTP)."""
    with served_tool(database_url, tmp_path / "instance") as served:
        yield served


@pytest.fixture
def platform(tool: Tool):
    """lti1p3platform behind our Flask adapter, on its own port, registered with the tool (JWKS over HTTP)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    state = PlatformState(
        issuer=url, client_id="client-1", deployment_id="dep-1", private_pem=rsa_key("platform")[0],
        tool_login_url=tool.url + "/lti/login", tool_launch_url=tool.url + "/lti/launch",
        tool_jwks_url=tool.url + "/lti/jwks.json", redirect_uris=[tool.url + "/lti/launch"])
    state.links["link-1"] = {"title": "Refugee protection essentials", "custom": {"course": "mini-course"},
                             "lineitem": None}
    app = Flask("test-platform")
    app.register_blueprint(platform_blueprint("platform", "", lambda: state))
    server = Server(app, port)
    register(tool.app, url, "client-1", "dep-1", url + "/jwks")
    yield Platform(state, url)
    server.close()


@pytest.fixture(scope="session")
def jwks_server():
    """Serves the test platform's key set, plus broken ones, for hand-signed launches."""
    app = Flask("jwks")

    @app.get("/jwks")
    def good():  # type: ignore[no-untyped-def]
        return jsonify(jwks_of("platform"))

    @app.get("/garbage")
    def garbage():  # type: ignore[no-untyped-def]
        return Response("<html>not json</html>", mimetype="text/html")

    @app.get("/not-a-key-set")
    def not_keys():  # type: ignore[no-untyped-def]
        return jsonify({"keys": "nope"})

    server = Server(app, free_port())
    yield server.url
    server.close()


@pytest.fixture
def tool_app(database_url: str, tmp_path: Path, jwks_server: str):
    """The tool (test client only) with one registered platform whose key set is served over HTTP."""
    app = build_tool(database_url, tmp_path / "instance", 5000)
    register(app, "https://platform.example", "client-1", "dep-1", jwks_server + "/jwks")
    yield app
    app_state(app).db.dispose()
    empty_all_tables(database_url)
