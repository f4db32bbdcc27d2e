"""Turn failures into clear answers: JSON for API clients, a readable page for people, never a traceback.

Pages speak the interface language: the title comes from the status code, the message is translated when the
catalogs have it (a lazy `_l()` description, or a plain string whose text is a catalog message); a message the
catalogs lack is shown as written and marked `lang="en"` so screen readers pronounce it right.
"""
from __future__ import annotations

import errno
import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

TITLES = {
    400: _l("Bad request"), 401: _l("Open this from your course"), 403: _l("Not allowed"), 404: _l("Not found"),
    405: _l("Method not allowed"), 409: _l("Conflict"), 413: _l("Too large"), 415: _l("Unsupported file type"),
    429: _l("Too many requests"), 500: _l("Server error"), 503: _l("Service unavailable"), 507: _l("Storage full"),
}

MESSAGES_OF_OTHER_MODULES = (
    # abort() descriptions written elsewhere as plain strings; listed so that they are extracted and translated
    # (render_error looks the text up; if one is reworded there, it shows in English until the catalogs follow).
    _l("This page opens from an activity in your course: launch it from there."),
    _l("This page is for the course's instructors only."),
    _l("This page is for learners; instructors use the report pages."),
    _l("Choose one of the offered languages."),
    _l("The launch could not be completed"),
    _l("Registration failed"),
)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith(("/xapi/", "/api/")) or best == "application/json"


def _translated(message: Any) -> tuple[str, bool]:
    """The message in the interface language, and whether it is (a catalog message or a lazy string)."""
    if isinstance(message, str):
        text = gettext(message) if "%" not in message else message  # a literal %, not a placeholder
        return text, text != message
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
