"""Turn failures into clear answers: JSON for API clients, a readable page for people, never a traceback."""
from __future__ import annotations

import errno
import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith(("/xapi/", "/api/")) or best == "application/json"


def render_error(status: int, title: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=title, message=message), status
    return render_template("error.html", status=status, title=title, message=message), status


STORAGE_FULL = {errno.ENOSPC, errno.EDQUOT}


def register(app: Flask) -> None:
    @app.errorhandler(OSError)
    def _storage_full(exc: OSError):  # type: ignore[no-untyped-def]
        """A full disk or quota is the server's problem, not the user's: 507, nothing kept, administrator told."""
        if exc.errno not in STORAGE_FULL:
            raise exc
        logging.getLogger("mirco.storage").error("storage full while answering %s: %s", request.path, exc)
        return render_error(507, "Storage full", "The server has no room left to save this, so nothing was "
                            "saved. Please tell the administrator and try again later.")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return render_error(exc.code or 500, exc.name, exc.description or exc.name)
