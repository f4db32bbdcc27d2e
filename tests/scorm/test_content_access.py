"""Package files over HTTP: only under a content token the player received for a launch linked to the package;
forged, expired, foreign or missing tokens are refused; every response is sandboxed; SCORM pages get the API
bridge first in their head."""
from __future__ import annotations

import os
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from lti_tool.package_content import CONTENT_POLICY, TOKEN_SECONDS, ContentGrant, inject_first, issue_token
from lti_tool.state import app_state
from tests.scorm.conftest import items_of
from tests.scorm.factories import scorm12_package, scorm2004_package
from tests.scorm.test_playback_api import content_base
from tests.scorm.test_upload_page import LEARNER, make_launch


@pytest.fixture
def played(app, client, importer, tmp_path):  # type: ignore[no-untyped-def]
    """A SCORM 1.2 package, a learner's launch linked to it, and the content URL prefix the player got."""
    package_id = importer(scorm12_package(tmp_path / "p.zip")).package_id
    launch = make_launch(app, LEARNER, "learner-1", {"course": f"pkg:{package_id}"})
    return package_id, launch, content_base(client, launch, items_of(app, package_id)["I1"])


def test_a_package_file_needs_the_token_of_the_launch(app, client, played):
    package_id, launch, base = played
    page = client.get(f"{base}/one.html")
    assert page.status_code == 200 and page.headers["Content-Security-Policy"] == CONTENT_POLICY
    assert page.headers["Cache-Control"] == "private, no-store"
    html = page.data.decode()
    assert html.index("cross-frame-api.min.js") < html.index("scorm-content-bridge.js") < html.index("<title>")
    tool_origin = app_state(app).settings.base_url.rstrip("/")  # the bridge posts to the tool's origin only
    assert 'data-version="scorm12"' in html and f'data-origin="{tool_origin}"' in html
    # the old address (the package id alone), a made-up token, the launch id itself: refused
    for url in (f"/scorm/content/{package_id}/one.html", "/scorm/content/x/one.html",
                f"/scorm/content/{launch}/one.html", f"/scorm/content/{'a' * 2000}/one.html"):
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert refused.headers["Content-Security-Policy"] == CONTENT_POLICY
        assert b"opens only from its activity" in refused.data


def test_forged_expired_and_foreign_tokens_are_refused(app, client, importer, played, tmp_path):
    package_id, launch, base = played
    token = base.rsplit("/", 1)[-1]
    payload, stamp, signature = token.split(".")
    forged = ".".join((payload, stamp, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")))
    assert client.get(f"/scorm/content/{forged}/one.html").status_code == 403

    class Yesterday(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - TOKEN_SECONDS - 60

    secret = app_state(app).settings.secret_key
    old = URLSafeTimedSerializer(secret, salt="mirco.scorm-content", signer=Yesterday).dumps([package_id, 1, 1])
    expired = client.get(f"/scorm/content/{old}/one.html")
    assert expired.status_code == 403 and b"expired" in expired.data

    other = importer(scorm2004_package(tmp_path / "o.zip")).package_id
    with app.test_request_context():  # a correctly signed token for a package the resource link does not open
        foreign = issue_token(secret, ContentGrant(other, 1, 1))
    assert client.get(f"/scorm/content/{foreign}/content/a.html").status_code == 403
    assert client.get(f"{base}/content/a.html").status_code == 404  # the token opens its own package only
    assert client.get(f"{base}/../{other}/content/a.html").status_code == 404


def test_non_html_files_are_served_as_they_are(client, importer, app, tmp_path):
    package_id = importer(scorm2004_package(tmp_path / "p.zip")).package_id
    launch = make_launch(app, LEARNER, "learner-2", {"course": f"pkg:{package_id}"}, link="L2")
    base = content_base(client, launch, items_of(app, package_id)["I1"])
    script = client.get(f"{base}/shared.js")
    assert script.data == b"void 0;" and script.headers["Content-Security-Policy"] == CONTENT_POLICY
    script.close()
    assert 'data-version="scorm2004"' in client.get(f"{base}/a.html").data.decode()
    assert client.get(f"{base}/missing.html").status_code == 404
    assert client.get(f"{base}/content").status_code == 404  # a folder
    assert client.get(f"{base}/a.html/x").status_code == 404
    assert client.get(f"{base}/").status_code == 404


def test_a_huge_page_is_streamed_without_the_bridge(app, client, importer, tmp_path):
    from lti_tool.views.scorm_player import MAX_BRIDGED_BYTES

    huge = "<!doctype html><title>big</title><p>" + os.urandom(MAX_BRIDGED_BYTES // 2 + 1).hex()  # no zip bomb
    package_id = importer(scorm12_package(tmp_path / "p.zip", extra={"one.html": huge})).package_id
    launch = make_launch(app, LEARNER, "learner-3", {"course": f"pkg:{package_id}"}, link="L3")
    answer = client.get(f"{content_base(client, launch, items_of(app, package_id)['I1'])}/one.html")
    assert answer.status_code == 200 and len(answer.data) == len(huge) and b"scorm-content-bridge" not in answer.data
    assert answer.headers["Content-Security-Policy"] == CONTENT_POLICY
    answer.close()


@pytest.mark.parametrize("page, expected", [
    (b"<!DOCTYPE html><html lang=en><HEAD data-x='1'><title>t</title>", b"<HEAD data-x='1'>TAGS<title>"),
    (b"<html><body>no head</body></html>", b"<html>TAGS<body>"),
    (b"\xef\xbb\xbf<!doctype html><p>bare", b"<!doctype html>TAGS<p>"),
    (b"<p>fragment", b"TAGS<p>fragment"),
    (b"<header>not a head</header>", b"TAGS<header>"),
])
def test_the_bridge_goes_before_the_page_s_own_scripts(page, expected):
    assert expected in inject_first(page, "TAGS")


@pytest.mark.parametrize("value", ["content.example.org", "ftp://content.example.org", "https://c.example.org/pkg",
                                   "https://c.example.org?x", "https://user@c.example.org", "http://127.0.0.1:5000"])
def test_a_content_origin_must_be_an_origin_of_its_own(value, tmp_path):
    from lti_tool.config import ConfigError, load_settings

    given = {"base_url": "http://127.0.0.1:5000", "instance_path": tmp_path, "secret_key": "s"}
    with pytest.raises(ConfigError, match="MIRCO_CONTENT_ORIGIN"):
        load_settings(given, environ={"MIRCO_CONTENT_ORIGIN": value})
    assert load_settings(given, environ={
        "MIRCO_CONTENT_ORIGIN": "https://content.example.org/"}).content_origin == "https://content.example.org"
