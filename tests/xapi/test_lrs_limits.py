"""The LRS's size limits over HTTP: a POST of too many statements, or too large a body, is refused with 413 and a
JSON message naming the limit, before anything is validated or stored; a request at the limit passes."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from lti_tool.config import ConfigError, load_settings
from tests.conftest import empty_all_tables, make_test_app
from tests.xapi.conftest import KEY, SECRET, serve, statement
from xapi import storage

MAX_STATEMENTS, MAX_BYTES = 50, 60_000
HEADERS = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}


@pytest.fixture
def limited(database_url: str, tmp_path: Path) -> Iterator[tuple[str, object]]:
    app = make_test_app(database_url, tmp_path / "instance", lrs_default_key=KEY, lrs_default_secret=SECRET,
                        lrs_max_statements=MAX_STATEMENTS, lrs_max_body_bytes=MAX_BYTES)
    for base in serve(app):
        yield base + "/xapi/statements", app
    app.extensions["mirco"].db.dispose()
    empty_all_tables(database_url)


def stored(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["mirco"].db.sessions() as session:
        return session.execute(select(func.count()).select_from(storage.statement)).scalar()


def post(url: str, body: bytes, **headers: str) -> requests.Response:
    return requests.post(url, data=body, headers=HEADERS | headers, auth=(KEY, SECRET), timeout=30)


def test_too_many_statements_in_one_post_is_413_json(limited) -> None:  # type: ignore[no-untyped-def]
    url, app = limited
    small = [{"actor": {"mbox": "mailto:a@x.org"}, "verb": {"id": "http://x.org/v"}, "object": {"id": "http://x.org/a"}}]
    response = post(url, json.dumps(small * (MAX_STATEMENTS + 1)).encode())
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/json")
    answer = response.json()
    assert answer["limit"] == MAX_STATEMENTS and answer["unit"] == "statements"
    assert f"{MAX_STATEMENTS + 1} statements" in answer["message"] and "smaller batches" in answer["message"]
    assert stored(app) == 0
    # hostile: a huge array of anything is counted before it is validated
    assert post(url, b"[" + b"1," * 5000 + b"1]").status_code == 413
    at_limit = post(url, json.dumps([statement() for _ in range(MAX_STATEMENTS)]).encode())
    assert at_limit.status_code == 200, at_limit.text
    assert stored(app) == MAX_STATEMENTS


def test_too_large_a_body_is_413_json(limited) -> None:  # type: ignore[no-untyped-def]
    url, app = limited
    big = json.dumps(statement(result={"response": "x" * MAX_BYTES})).encode()
    response = post(url, big)
    assert response.status_code == 413
    assert response.json() == {"error": "Payload Too Large", "limit": MAX_BYTES, "unit": "bytes",
                               "message": f"request body larger than {MAX_BYTES} bytes: send it in smaller requests"}
    chunked = requests.post(url, data=iter([big[:30_000], big[30_000:]]), headers=HEADERS, auth=(KEY, SECRET),
                            timeout=30)  # no Content-Length: the body is counted as it is read
    assert chunked.status_code == 413 and chunked.json()["unit"] == "bytes"
    assert stored(app) == 0
    assert post(url, json.dumps(statement()).encode()).status_code == 200


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_limits_must_be_positive_numbers(value: str, tmp_path: Path) -> None:
    for name in ("MIRCO_LRS_MAX_STATEMENTS", "MIRCO_LRS_MAX_BODY_BYTES"):
        with pytest.raises(ConfigError, match=name):
            load_settings(environ={"MIRCO_INSTANCE_PATH": str(tmp_path), name: value})
