"""LRS fixtures: an app with a seed credential (both databases), an authenticated xAPI test client, and the
same app served over real HTTP on 127.0.0.1 for independent clients (tincan, node's @xapi/xapi)."""
from __future__ import annotations

import base64
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import empty_all_tables, make_test_app

KEY, SECRET = "conformance-key", "conformance-secret"
VERB = "http://adlnet.gov/expapi/verbs/experienced"
ACTIVITY = "http://www.example.com/activities/lesson-1"


def basic(key: str = KEY, secret: str = SECRET) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def statement(**overrides: Any) -> dict:
    """A minimal valid statement (fresh id), with overrides merged at the top level."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": "Learner", "mbox": "mailto:learner@example.com"},
        "verb": {"id": VERB, "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": ACTIVITY,
                   "definition": {"name": {"en-US": "Lesson 1"}, "type": "http://adlnet.gov/expapi/activities/lesson"}},
    }
    body.update(overrides)
    return body


class Xapi:
    """Flask test client that sends the version and Basic auth headers the LRS requires."""

    def __init__(self, client, version: str = "1.0.3", auth: str | None = None) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.version = version
        self.auth = auth or basic()

    def request(self, method: str, path: str, *, version: str | None = "default", auth: str | None = "default",
                headers: dict[str, str] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        sent = {"X-Experience-API-Version": self.version if version == "default" else version}
        if auth == "default":
            sent["Authorization"] = self.auth
        elif auth:
            sent["Authorization"] = auth
        sent.update(headers or {})
        sent = {k: v for k, v in sent.items() if v is not None}
        return self.client.open("/xapi/" + path.lstrip("/"), method=method, headers=sent, **kwargs)

    def get(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.request("DELETE", path, **kw)

    def store(self, *statements: dict) -> list[str]:
        response = self.post("statements", json=list(statements))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()


@pytest.fixture
def lrs_app(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    application = make_test_app(database_url, tmp_path / "instance", lrs_default_key=KEY,
                                lrs_default_secret=SECRET)
    yield application
    application.extensions["mirco"].db.dispose()
    empty_all_tables(database_url)


@pytest.fixture(params=["1.0.3", "2.0.0"])
def xapi(request: pytest.FixtureRequest, lrs_app) -> Xapi:  # type: ignore[no-untyped-def]
    """The LRS through the test client, once per xAPI version."""
    return Xapi(lrs_app.test_client(), request.param)


@pytest.fixture
def xapi1(lrs_app) -> Xapi:  # type: ignore[no-untyped-def]
    return Xapi(lrs_app.test_client(), "1.0.3")


@pytest.fixture
def xapi2(lrs_app) -> Xapi:  # type: ignore[no-untyped-def]
    return Xapi(lrs_app.test_client(), "2.0.0")


def serve(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve `app` on 127.0.0.1 (random port) in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def live_lrs(lrs_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Base URL of the LRS endpoint (…/xapi/) on a real HTTP server."""
    for base in serve(lrs_app):
        yield base + "/xapi/"
