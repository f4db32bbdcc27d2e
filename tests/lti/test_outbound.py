"""The registration's outbound requests (lti_tool/lti/outbound.py) against real local servers: which addresses
count as public, the checked connection really connecting, no redirects, the size cap, one failure type."""
from __future__ import annotations

import gzip

import pytest
from flask import Flask, Response, jsonify, redirect

from lti_tool.lti import outbound
from lti_tool.lti.outbound import MAX_BYTES, OutboundRefused, is_public, request_json
from tests.lti.support import Server
from tests.servers import free_port


@pytest.mark.parametrize("address, public", [
    ("93.184.215.14", True), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True), ("1.1.1.1", True),
    ("127.0.0.1", False), ("127.8.9.10", False), ("10.1.2.3", False), ("172.16.0.1", False),
    ("192.168.0.1", False), ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False),
    ("224.0.0.1", False), ("255.255.255.255", False), ("::1", False), ("::", False), ("fe80::1%eth0", False),
    ("fc00::1", False), ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("2002:7f00:1::", False),
    ("not an address", False),
])
def test_public_addresses(address, public):
    assert is_public(address) is public


@pytest.fixture(scope="module")
def server():
    app = Flask("outbound-target")
    app.add_url_rule("/json", "json", view_func=lambda: jsonify(ok=True))
    app.add_url_rule("/moved", "moved", view_func=lambda: redirect("/json"))
    app.add_url_rule("/big", "big", view_func=lambda: jsonify(padding="x" * MAX_BYTES))
    app.add_url_rule("/bomb", "bomb", view_func=lambda: Response(
        gzip.compress(b'{"p": "' + b"x" * (50 * MAX_BYTES) + b'"}'), headers={"Content-Encoding": "gzip"},
        mimetype="application/json"))
    app.add_url_rule("/small-gzip", "small-gzip", view_func=lambda: Response(
        gzip.compress(b'{"ok": true}'), headers={"Content-Encoding": "gzip"}, mimetype="application/json"))
    app.add_url_rule("/html", "html", view_func=lambda: "<html>not json</html>")
    running = Server(app, free_port())
    yield running.url
    running.close()


@pytest.fixture
def loopback_counts_as_public(monkeypatch):
    """Stand-in for a public host: the check itself is tested above; here, that the checked socket is used."""
    monkeypatch.setattr(outbound, "is_public", lambda address: address == "127.0.0.1")


@pytest.mark.parametrize("path", ["/json", "/small-gzip"])
def test_a_checked_address_is_connected_to(server, loopback_counts_as_public, path):
    assert request_json("GET", server + path, allow_private=False) == (200, {"ok": True})


def test_refused_address_is_never_connected_to(server):
    with pytest.raises(OutboundRefused):
        request_json("GET", server + "/json", allow_private=False)
    assert request_json("GET", server + "/json", allow_private=True) == (200, {"ok": True})


def test_redirects_are_not_followed(server, loopback_counts_as_public):
    with pytest.raises(OutboundRefused):  # the redirect's HTML body is not JSON; the target is not fetched
        request_json("GET", server + "/moved", allow_private=False)


@pytest.mark.parametrize("path", ["/big", "/bomb", "/html"])
def test_oversized_compressed_or_non_json_answers_are_refused(server, loopback_counts_as_public, path):
    with pytest.raises(OutboundRefused):
        request_json("GET", server + path, allow_private=False)
