"""Security headers: the tool may be framed by its registered platforms only, never frame-busts, sniffs nothing."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import make_test_app
from lti_tool.security_headers import content_security_policy, origin, set_platform_origins


def _directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"{name} missing from {policy!r}")


def test_default_headers_allow_only_self_to_frame(client) -> None:
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert _directive(policy, "frame-ancestors") == ["'self'"]
    assert _directive(policy, "script-src") == ["'self'"] and _directive(policy, "object-src") == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "X-Frame-Options" not in response.headers  # would break Moodle's iframe
    assert client.get("/library/x/y").headers["Content-Security-Policy"] == policy  # error pages too


def test_configured_and_registered_platform_origins_may_frame(database_url: str, tmp_path: Path) -> None:
    app = make_test_app(database_url, tmp_path / "instance",
                        frame_ancestors=("https://moodle.example.org/course/view.php?id=3", "not a url",
                                         "https://evil.example;script-src *", "javascript:alert(1)",
                                         "https://x.example\r\nSet-Cookie: a=b"))
    set_platform_origins(app, lambda: ["https://lms.example.edu:8443/mod/lti/auth.php",
                                       "https://moodle.example.org/other"])
    try:
        policy = app.test_client().get("/").headers["Content-Security-Policy"]
    finally:
        app.extensions["mirco"].db.dispose()
    assert _directive(policy, "frame-ancestors") == [
        "'self'", "https://moodle.example.org", "https://lms.example.edu:8443"]
    assert _directive(policy, "form-action") == _directive(policy, "frame-ancestors")


def test_origin_keeps_scheme_host_port_only() -> None:
    assert origin("HTTPS://Moodle.Example.org:443/x?y#z") == "https://moodle.example.org:443"
    for bad in ("", "ftp://a.example", "https://", "https://a.example:99999", "https://a b.example", "//a.example"):
        assert origin(bad) is None, bad


def test_nonce_is_added_only_when_a_template_uses_it() -> None:
    assert "'nonce-abc'" in _directive(content_security_policy([], "abc"), "script-src")
    assert _directive(content_security_policy([]), "script-src") == ["'self'"]
