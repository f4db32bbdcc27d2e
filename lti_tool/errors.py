"""Turn failures into clear answers: JSON for API clients, a readable page for people, never a traceback.

Pages speak the interface language: the title comes from the status code, and a message meant for people is marked
with `_l()` where it is written (a lazy string, translated when the page is rendered). A plain `str` is never looked
up in the catalogs: it is shown as written and marked `lang="en"` so screen readers pronounce it right.
"""
from __future__ import annotations

import errno
import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

TITLES = {
    400: _l("Bad request"), 401: _l("Open this from your course"), 403: _l("Not allowed"), 404: _l("Not found"),
    405: _l("Method not allowed"), 409: _l("Conflict"), 413: _l("Too large"), 415: _l("Unsupported file type"),
    429: _l("Too many requests"), 500: _l("Server error"), 503: _l("Service unavailable"), 507: _l("Storage full"),
}

def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith(("/xapi/", "/api/")) or best == "application/json"


def _translated(message: Any) -> tuple[str, bool]:
    """The message as shown, and whether it is translated: a lazy `_l()` string is, a plain `str` is not."""
    if isinstance(message, str):
        return message, False
    return str(message), True


def render_error(status: int, title: Any, message: Any) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=str(title), message=str(message)), status
    heading, heading_translated = _translated(title)
    text, translated = _translated(message)
    return render_template("error.html", status=status, title=heading, title_translated=heading_translated,
                           message=text, message_translated=translated), status


def render_status_error(status: int, reason: str, message: Any) -> tuple[Response | str, int]:
    """An error named by its status: API clients get the standard reason phrase, pages the translated title."""
    return render_error(status, reason if wants_json() else TITLES.get(status, reason), message)


STORAGE_FULL = {errno.ENOSPC, errno.EDQUOT}


def register(app: Flask) -> None:
    @app.errorhandler(OSError)
    def _storage_full(exc: OSError):  # type: ignore[no-untyped-def]
        """A full disk or quota is the server's problem, not the user's: 507, nothing kept, administrator told."""
        if exc.errno not in STORAGE_FULL:
            raise exc
        logging.getLogger("mirco.storage").error("storage full while answering %s: %s", request.path, exc)
        return render_status_error(507, "Storage full",
                                   _l("The server has no room left to save this, so nothing was saved. Please tell the "
                                      "administrator and try again later."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return render_status_error(exc.code or 500, exc.name, exc.description or exc.name)
