"""PostgreSQL going away under the running tool (a restart: every connection cut, new ones refused for a while),
through a TCP proxy in front of the test server: never a 500. A safe request (GET) is retried once and succeeds
when the database is back; anything else gets 503 with Retry-After, a readable page for people, JSON for APIs."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import exc as sa_exc

from lti_tool import launch_tokens
from lti_tool.db_outage import RETRY_AFTER_S, is_transient
from lti_tool.launch_tokens import TokenKind
from lti_tool.state import app_state
from tests.conftest import POSTGRES_URL, drop_postgres_database, fresh_postgres_database, make_test_app, \
    require_postgres
from tests.xapi.conftest import KEY, SECRET, serve, statement

XAPI = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}


class RestartingPostgres:
    """A TCP proxy to PostgreSQL; `go_down()` hangs up every live connection and refuses new ones until `come_back()`,
    which is what the tool sees while the server restarts."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.refused = 0
        self.live: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.down:
                    self.refused += 1
                    client.close()
                    continue
                upstream = socket.create_connection(self.target)
                self.live += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        source.close()  # each socket is the source of exactly one pump

    def go_down(self) -> None:
        with self.lock:
            self.down = True
            for sock in self.live:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.live.clear()

    def come_back(self) -> None:
        with self.lock:
            self.down = False

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def tool_behind_proxy(tmp_path: Path) -> Iterator[tuple[str, RestartingPostgres, str]]:
    require_postgres()
    url, name = fresh_postgres_database()
    from lti_tool.db import make_engine
    from lti_tool.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    parts = urlsplit(POSTGRES_URL)
    proxy = RestartingPostgres(parts.hostname or "127.0.0.1", parts.port or 5432)
    app = make_test_app(url.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}"),
                        tmp_path / "instance", lrs_default_key=KEY, lrs_default_secret=SECRET)
    app.config["TESTING"] = False  # errors are answered as in production, not raised into the test
    try:
        for base in serve(app):
            yield base, proxy, app_state(app).settings.secret_key  # signs launch tokens (checked before the DB)
    finally:
        app.extensions["mirco"].db.dispose()
        proxy.close()
        drop_postgres_database(name)


def test_writes_and_pages_get_503_with_retry_after_while_the_database_restarts(tool_behind_proxy) -> None:  # type: ignore[no-untyped-def]
    base, proxy, secret_key = tool_behind_proxy
    sent = statement()
    assert requests.get(base + "/xapi/statements", headers=XAPI, auth=(KEY, SECRET), timeout=10).status_code == 200
    proxy.go_down()

    api = requests.post(base + "/xapi/statements", json=sent, headers=XAPI, auth=(KEY, SECRET), timeout=30)
    assert api.status_code == 503, api.text
    assert api.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert api.json()["error"] == "Service Unavailable" and "try again" in api.json()["message"]

    login = requests.post(base + "/lti/login", data={"iss": "https://moodle.example.org", "login_hint": "42"},
                          headers={"Accept": "text/html"}, timeout=30)  # a platform's login initiation
    assert login.status_code == 503, login.text[:500]
    assert login.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert login.headers["Content-Type"].startswith("text/html")
    assert "Service unavailable" in login.text and "Please try again in a moment." in login.text
    token = launch_tokens.issue(secret_key, "f301a41d0a194c1b97fb34bbaf5ae097", TokenKind.BEARER)
    lesson = requests.get(base + "/play/", params={"launch": token},
                          headers={"Accept": "text/html"}, timeout=30)  # its language is the launch's, in the database
    assert lesson.status_code == 503 and lesson.headers["Content-Type"].startswith("text/html"), lesson.text[:300]
    assert "Please try again in a moment." in lesson.text
    assert proxy.refused >= 3

    proxy.come_back()
    again = requests.post(base + "/xapi/statements", json=sent, headers=XAPI, auth=(KEY, SECRET), timeout=30)
    assert again.status_code == 200 and again.json() == [sent["id"]]  # the refused write was not half-kept


def test_a_read_is_retried_once_and_answers_when_the_database_is_back(tool_behind_proxy) -> None:  # type: ignore[no-untyped-def]
    base, proxy, _ = tool_behind_proxy
    assert requests.get(base + "/lti/jwks.json", timeout=10).status_code == 200
    proxy.go_down()
    threading.Timer(0.3, proxy.come_back).start()  # back before the retry (after RETRY_PAUSE_S)
    answer = requests.get(base + "/lti/jwks.json", timeout=30)
    assert answer.status_code == 200 and answer.json() == {"keys": []}  # (no key made in this test)
    assert proxy.refused >= 1  # the first attempt really met the restarting database

    proxy.go_down()  # down for longer than the retry: 503 once the one retry failed too
    refused = proxy.refused
    answer = requests.get(base + "/xapi/statements", headers=XAPI, auth=(KEY, SECRET), timeout=30)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert proxy.refused >= refused + 2


@pytest.mark.parametrize("error, transient", [
    (sa_exc.OperationalError("SELECT 1", {}, Exception("no such table: x")), False),
    (sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")), False),
    (sa_exc.TimeoutError("QueuePool limit reached"), True),
])
def test_only_an_unavailable_database_is_transient(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient
