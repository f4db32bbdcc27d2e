"""A database briefly away is not a server error.

PostgreSQL restarting, a connection cut, a serialization failure or deadlock, SQLite's lock timeout: the request
did nothing wrong and will work in a moment. Such a failure is retried once, after a short pause, when that is
safe (a GET or HEAD that committed nothing before it failed); otherwise the client gets 503 with Retry-After: a
readable page for people, JSON for APIs. Any other database error stays a 500 (a bug to fix, not to hide).
"""
from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable
from typing import Any, Callable

import psycopg
from flask import Flask, Response, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import InternalServerError

from lti_tool.errors import render_status_error

log = logging.getLogger("mirco.db")

RETRY_AFTER_S = 5
"""What the 503 asks clients to wait: a PostgreSQL fast restart takes a few seconds."""
RETRY_PAUSE_S = 1.0
"""The pause before the one retry of a safe request."""
TRANSIENT_SQLSTATES = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "53300",  # too_many_connections
    "57P01",  # admin_shutdown (a restart or a stop)
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now (starting up, shutting down)
}
SAFE_METHODS = {"GET", "HEAD"}
FALLBACK_MESSAGE = "Service unavailable: the database is restarting. Please try again in a moment."
RETRY_FLAG = "mirco.db_retry"

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def is_transient(exc: BaseException) -> bool:
    """True for a failure that says the database is briefly unavailable, not that the request or the code is wrong."""
    if isinstance(exc, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):  # pool exhausted, connection gone
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, psycopg.Error):
        sqlstate = orig.sqlstate
        if sqlstate is None:  # no answer from the server at all: refused, closed, reset
            return isinstance(orig, (psycopg.OperationalError, psycopg.InterfaceError))
        return sqlstate.startswith("08") or sqlstate in TRANSIENT_SQLSTATES
    if isinstance(orig, sqlite3.OperationalError):
        return "locked" in str(orig) or "busy" in str(orig)
    return False


def _unavailable(exc: BaseException) -> Any:
    """The 503 answer, made without the database; a safe request that committed nothing is marked for the retry."""
    if request.method in SAFE_METHODS and not g.get("mirco_db_committed"):
        request.environ[RETRY_FLAG] = True
    log.warning("database unavailable while answering %s %s: %s", request.method, request.path,
                str(exc).splitlines()[0][:300])
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    g.setdefault("launch_locale", None)  # the launch's language is in the database: take the request's
    try:
        body, status = render_status_error(
            503, "Service Unavailable",
            _l("The service is briefly unavailable while its database restarts, so this request could not be "
               "completed. Please try again in a moment."))
    except sa_exc.SQLAlchemyError:  # the page itself needed the database after all: say it plainly
        return Response(FALLBACK_MESSAGE, 503, headers, content_type="text/plain; charset=utf-8")
    return body, status, headers


def _remember_commits(app: Flask) -> None:
    """A request that already committed something is not repeated: the retry would do it twice."""
    engine = app.extensions["mirco"].db.engine

    @event.listens_for(engine, "commit")
    def _committed(_connection: Any) -> None:
        if has_request_context():
            g.mirco_db_committed = True


class RetryOnce:
    """WSGI middleware: a response marked by `_unavailable` for retry is dropped and the request run once more."""

    def __init__(self, app: WSGIApp, pause_s: float = RETRY_PAUSE_S) -> None:
        self.app, self.pause_s = app, pause_s

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in SAFE_METHODS:
            return self.app(environ, start_response)
        held: list[Any] = []
        body = self.app(environ, lambda status, headers, exc_info=None: held.extend((status, headers, exc_info)))
        if not environ.pop(RETRY_FLAG, False):
            start_response(*held)
            return body
        if hasattr(body, "close"):
            body.close()
        time.sleep(self.pause_s)
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    """Answer transient database failures with a retry or a 503, wherever they happen (view, hook, LRS)."""

    @app.errorhandler(sa_exc.SQLAlchemyError)
    def _database_error(exc: sa_exc.SQLAlchemyError):  # type: ignore[no-untyped-def]
        if not is_transient(exc):
            raise exc
        return _unavailable(exc)

    @app.errorhandler(InternalServerError)
    def _server_error(exc: InternalServerError):  # type: ignore[no-untyped-def]
        """Failures outside the view (an after-request hook) reach Flask as a 500 wrapping the original."""
        if exc.original_exception is not None and is_transient(exc.original_exception):
            return _unavailable(exc.original_exception)
        return render_status_error(500, exc.name, exc.description)

    _remember_commits(app)
    app.wsgi_app = RetryOnce(app.wsgi_app)  # type: ignore[method-assign]
