"""Structured request logs with request ids, and no secret in any log line."""
from __future__ import annotations

import io
import json
import logging

import pytest

from lti_tool.logs import (ACCESS_LOGGER, REDACTED, JsonFormatter, RedactingFilter, make_handler, redact,
                           redact_value, request_id_from)

JWT = ("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJsZWFybmVyLTEiLCJub25jZSI6Im4xIn0"
       ".c2lnbmF0dXJlLWJ5dGVzLWhlcmU")
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"


@pytest.mark.parametrize("text, secret", [
    (f"launch failed for token {JWT}", JWT),
    (f"id_token={JWT}&state=abc", JWT),
    ("Authorization: Bearer 3f9a8b7c6d5e4f", "3f9a8b7c6d5e4f"),
    ("Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
    ("headers={'Authorization': 'Basic dXNlcjpodW50ZXIy'}", "dXNlcjpodW50ZXIy"),
    ('{"username": "bob", "password": "hunter2"}', "hunter2"),
    ("{'client_secret': 's3cr3t-value', 'client_id': 'c1'}", "s3cr3t-value"),
    ("MIRCO_LRS_DEFAULT_SECRET=topsecret999 MIRCO_DEMO=0", "topsecret999"),
    ("access_token: at-123456789", "at-123456789"),
    (f"loaded key {PEM} from disk", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
    ("Cookie: session=abcdef123456; theme=dark", "abcdef123456"),
])
def test_redact_removes_the_secret(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert "redacted" in cleaned


def test_redact_keeps_ordinary_text() -> None:
    text = "GET /lti/launch 200 course=migration-governance module=01 user=learner-1"
    assert redact(text) == text


def test_redact_value_walks_nested_structures() -> None:
    value = {"headers": {"Authorization": "Bearer x", "Accept": "text/html"},
             "claims": [JWT, "plain"], "id_token": "abc", "count": 3}
    assert redact_value(value) == {"headers": {"Authorization": REDACTED, "Accept": "text/html"},
                                   "claims": ["[redacted jwt]", "plain"], "id_token": REDACTED, "count": 3}


def _capture(json_lines: bool = True) -> tuple[logging.Logger, io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = make_handler(json_lines, stream)
    logger = logging.getLogger("tests.ops.capture")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream, handler


def test_handler_redacts_message_args_extras_and_traceback() -> None:
    logger, stream, handler = _capture()
    try:
        logger.warning("launch rejected: %s", {"id_token": JWT}, extra={"form": {"password": "hunter2"}})
        try:
            raise ValueError(f"bad token {JWT}")
        except ValueError:
            logger.exception("failed with Authorization: Bearer abc123def")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    for secret in (JWT, "hunter2", "abc123def"):
        assert secret not in output
    first, second = (json.loads(line) for line in output.splitlines())
    assert first["form"] == {"password": REDACTED} and first["level"] == "WARNING"
    assert "ValueError: bad token [redacted jwt]" in second["exception"]


def test_json_formatter_writes_one_object_per_line_even_with_newlines_in_the_message() -> None:
    record = logging.makeLogRecord({"msg": "line one\nline two", "levelname": "INFO", "name": "x"})
    formatted = JsonFormatter().format(record)
    assert "\n" not in formatted and json.loads(formatted)["message"] == "line one\nline two"


def test_filter_keeps_records_flowing() -> None:
    record = logging.makeLogRecord({"msg": "password=%s", "args": ("x",)})
    assert RedactingFilter().filter(record) is True and record.getMessage() == f"password={REDACTED}"


@pytest.mark.parametrize("header, kept", [
    ("abc-123_DEF.4:5", True),
    ("a" * 128, True),
    ("a" * 129, False),
    ("evil\nfake log line", False),
    ("id with spaces", False),
    ("<script>", False),
    ("", False),
    (None, False),
])
def test_request_id_from_header(header: str | None, kept: bool) -> None:
    result = request_id_from(header)
    assert (result == header) is kept
    if not kept:
        assert len(result) == 32 and result.isalnum()


@pytest.fixture
def access_lines():
    """JSON lines written by the access logger during the test."""
    stream = io.StringIO()
    handler = make_handler(True, stream)
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_one_json_line_per_request_with_the_callers_request_id(client, access_lines) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a"})
    assert response.headers["X-Request-ID"] == "lb-7f3a"
    client.get("/no-such-page")
    first, second = access_lines()
    assert first["request_id"] == "lb-7f3a" and first["path"] == "/healthz" and first["status"] == 200
    assert first["method"] == "GET" and first["duration_ms"] >= 0 and first["logger"] == ACCESS_LOGGER
    assert second["status"] == 404 and len(second["request_id"]) == 32


def test_request_log_has_no_query_string_headers_or_body(client, access_lines) -> None:
    client.post(f"/healthz?id_token={JWT}", data={"id_token": JWT, "password": "hunter2"},
                headers={"Authorization": "Bearer sekrit-token-1", "Cookie": "session=sess-999"})
    (line,) = access_lines()
    text = json.dumps(line)
    for secret in (JWT, "hunter2", "sekrit-token-1", "sess-999"):
        assert secret not in text
    assert line["status"] == 405


def test_forged_request_id_cannot_inject_log_lines(client, access_lines) -> None:
    forged = 'x\r\n{"level": "CRITICAL", "message": "admin logged in"}'
    response = client.get("/healthz", environ_base={"HTTP_X_REQUEST_ID": forged})  # raw, as a socket sends it
    (line,) = access_lines()
    assert line["request_id"] == response.headers["X-Request-ID"] and "CRITICAL" not in line["request_id"]
