"""Signing keys: 0600 files, JWKS, rotation with a grace period; private keys never printed."""
from __future__ import annotations

import stat
from datetime import timedelta

from sqlalchemy import select

from lti_tool import keys
from lti_tool.cli import cli
from lti_tool.models import LtiKey, utcnow
from lti_tool.state import app_state


def mirco(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(cli, args=list(args))


def test_key_file_is_private_and_jwks_public(tool):
    settings = app_state(tool.app).settings
    (pem,) = list(settings.keys_path.glob("*.pem"))
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.keys_path.stat().st_mode) == 0o700
    body = tool.app.test_client().get("/lti/jwks.json").get_json()
    (jwk,) = body["keys"]
    assert jwk["kid"] == pem.stem and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    assert "d" not in jwk and "p" not in jwk  # no private parameters


def test_rotate_keeps_old_key_published_until_grace_ends(tool):
    old_kid = tool.app.test_client().get("/lti/jwks.json").get_json()["keys"][0]["kid"]
    result = mirco(tool.app, "keys", "rotate")
    assert result.exit_code == 0, result.output
    assert "PRIVATE" not in result.output
    kids = [k["kid"] for k in tool.app.test_client().get("/lti/jwks.json").get_json()["keys"]]
    assert len(kids) == 2 and old_kid in kids
    state = app_state(tool.app)
    with state.db.sessions() as session:
        assert keys.signing_key(session, state.settings.keys_path).kid != old_kid
    with state.db.transaction() as session:  # the grace period is over
        old = session.get(LtiKey, old_kid)
        old.expires_at = utcnow() - timedelta(seconds=1)
    kids = [k["kid"] for k in tool.app.test_client().get("/lti/jwks.json").get_json()["keys"]]
    assert old_kid not in kids
    mirco(tool.app, "keys", "rotate")
    assert not (state.settings.keys_path / f"{old_kid}.pem").exists()
    listing = mirco(tool.app, "keys", "list").output
    assert "active" in listing and "BEGIN" not in listing


def test_init_creates_a_key_only_when_missing(tool):
    state = app_state(tool.app)
    with state.db.transaction() as session:
        first = keys.ensure_key(session, state.settings.keys_path).kid
        assert keys.ensure_key(session, state.settings.keys_path).kid == first
        assert len(session.scalars(select(LtiKey)).all()) == 1


def test_missing_private_key_file_is_a_clear_refusal(tool):
    state = app_state(tool.app)
    for pem in state.settings.keys_path.glob("*.pem"):
        pem.unlink()
    with state.db.sessions() as session:
        try:
            keys.signing_key(session, state.settings.keys_path)
        except keys.SigningKeyUnavailable as exc:
            assert "cannot be read" in str(exc)
        else:
            raise AssertionError("expected SigningKeyUnavailable")
