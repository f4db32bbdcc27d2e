"""Forwarded headers are trusted only from the configured number of proxies (MIRCO_PROXY_FIX)."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import jsonify, request

from lti_tool.config import ConfigError, load_settings
from lti_tool.migrate import upgrade
from tests.conftest import make_test_app

FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "mirco.example.org", "X-Forwarded-Port": "443"}


def _seen(proxy_fix: int, tmp_path: Path, headers: dict[str, str]) -> dict:
    app = make_test_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", tmp_path / "instance", proxy_fix=proxy_fix)
    upgrade(app.extensions["mirco"].db.engine)
    app.add_url_rule("/_seen", "seen", lambda: jsonify(url=request.url, remote=request.remote_addr))
    return app.test_client().get("/_seen", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_json()


def test_one_trusted_proxy_sets_scheme_host_and_client_address(tmp_path: Path) -> None:
    assert _seen(1, tmp_path, FORWARDED) == {"url": "https://mirco.example.org/_seen", "remote": "203.0.113.9"}


def test_without_proxy_fix_forwarded_headers_are_ignored(tmp_path: Path) -> None:
    assert _seen(0, tmp_path, FORWARDED) == {"url": "http://localhost/_seen", "remote": "127.0.0.1"}


def test_a_client_cannot_spoof_its_address_past_the_trusted_proxy(tmp_path: Path) -> None:
    spoofed = dict(FORWARDED, **{"X-Forwarded-For": "10.6.6.6, 203.0.113.9"})  # client sent the first one
    assert _seen(1, tmp_path, spoofed)["remote"] == "203.0.113.9"


@pytest.mark.parametrize("raw", ["-1", "two", "1.5"])
def test_invalid_proxy_fix_is_a_configuration_error(raw: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MIRCO_PROXY_FIX"):
        load_settings({"instance_path": tmp_path}, environ={"MIRCO_PROXY_FIX": raw})
