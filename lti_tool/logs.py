"""Structured logs: one line per request with a request id, and no secret ever written to a log.

`RedactingFilter` sits on the handlers (not on loggers), so records from every library that reach our
handlers are scrubbed: pylti1p3, requests, werkzeug, gunicorn alike. gunicorn wires these classes in through
`packaging/gunicorn.conf.py`; `configure_logging` does the same for `mirco run` and other entry points.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from flask import Flask, Response, g, has_request_context, request

ACCESS_LOGGER = "mirco.access"
REDACTED = "[redacted]"
# a key is secret when its name contains one of these words (id_token, lrs_default_secret, X-Password...)
_SECRET_WORDS = r"token|secret|passw|authorization|cookie|api_key|apikey|client_assertion|private_key"
_PATTERNS = [
    # PEM private keys, whole block
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
     "[redacted private key]"),
    # name=value, "name": "value", 'name': 'value', name: value (query strings, JSON, reprs, headers)
    (re.compile(r"""(?P<key>["']?[\w.-]*(?:""" + _SECRET_WORDS + r""")[\w.-]*["']?\s*[:=]\s*)"""
                r"""(?P<value>(?:(?:Bearer|Basic|Digest)\s+)?(?:"[^"]*"|'[^']*'|[^\s&,;}\]]+))""", re.I),
     lambda m: m.group("key") + _quoted_like(m.group("value"))),
    # compact JWS/JWE (every JWT starts with a base64url '{"' header: eyJ)
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]*"), "[redacted jwt]"),
    # HTTP authentication schemes
    (re.compile(r"\b(Bearer|Basic|Digest)\s+[A-Za-z0-9._~+/=-]+", re.I), r"\1 " + REDACTED),
]
_SECRET_KEY = re.compile(_SECRET_WORDS, re.I)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}\Z")
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def _quoted_like(value: str) -> str:
    return f"{value[0]}{REDACTED}{value[0]}" if value[:1] in {'"', "'"} else REDACTED


def redact(text: str) -> str:
    """`text` with tokens, passwords, keys and authorization values replaced by a marker."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any) -> Any:
    """Redact strings inside nested dicts/lists; values under secret-looking keys are dropped entirely."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if isinstance(k, str) and _SECRET_KEY.search(k) else redact_value(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Rewrite each record so that its message, extra fields and traceback carry no secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRS:
                setattr(record, name, redact_value(value))
        return True


class RequestContextFilter(logging.Filter):
    """Give every record the current request id ("-" outside requests) so all lines of a request join up."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


def make_handler(json_lines: bool, stream: Any = None) -> logging.Handler:
    """A stream handler that adds request ids, redacts secrets, and writes JSON or plain text."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestContextFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    return handler


def configure_logging(json_lines: bool) -> None:
    """Send logs through a redacting handler unless the server (gunicorn's logconfig_dict) already did."""
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        root.addHandler(make_handler(json_lines))
    logging.getLogger("mirco").setLevel(logging.INFO)


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token (no log injection), otherwise a fresh one."""
    return header if header and _REQUEST_ID.match(header) else uuid.uuid4().hex


def install_request_logging(app: Flask, on_response: Callable[[str, int, float], None] | None = None) -> None:
    """Log one line per request and answer with its X-Request-ID; `on_response(method, status, seconds)` counts."""
    access = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def _start() -> None:
        g.request_id = request_id_from(request.headers.get("X-Request-ID"))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id") or request_id_from(None)
        seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
        response.headers["X-Request-ID"] = request_id
        access.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
            "bytes": response.calculate_content_length(),
            "remote_addr": request.remote_addr,
            "user_agent": (request.user_agent.string or "")[:200],
        })
        if on_response is not None:
            on_response(request.method, response.status_code, seconds)
        return response
