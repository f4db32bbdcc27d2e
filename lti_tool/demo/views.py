"""/demo: the demo platform inside the tool, registered with the tool on first use (MIRCO_DEMO=1 only)."""
from __future__ import annotations

import os

from flask import Blueprint, current_app, render_template
from lti1p3platform.registration import Registration

from lti_tool import keys
from lti_tool.demo.platform import PlatformState, new_private_key_pem, platform_blueprint
from lti_tool.lti.registration import PlatformDetails, add_platform
from lti_tool.state import app_state

bp = Blueprint("demo", __name__, url_prefix="/demo")
DEMO_CLIENT_ID = "mirco-demo"
DEMO_DEPLOYMENT_ID = "demo-deployment"


def _platform_key(keys_path) -> str:  # type: ignore[no-untyped-def]
    """The demo platform's own key, kept next to the tool's keys (0600) so every worker signs alike."""
    path = keys_path / "demo-platform.pem"
    if not path.exists():
        keys_path.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="ascii")
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(new_private_key_pem())
    return path.read_text(encoding="ascii")


def demo_state() -> PlatformState:
    """The demo platform, created (and registered with the tool) on first use."""
    ext = current_app.extensions
    state = app_state()
    if "mirco.demo" not in ext:
        base = state.settings.base_url.rstrip("/")
        platform = PlatformState(
            issuer=base + "/demo", client_id=DEMO_CLIENT_ID, deployment_id=DEMO_DEPLOYMENT_ID,
            private_pem=_platform_key(state.settings.keys_path), tool_login_url=base + "/lti/login",
            tool_launch_url=base + "/lti/launch", tool_jwks_url=base + "/lti/jwks.json",
            redirect_uris=[base + "/lti/launch"])
        first = next(iter(state.catalogue), None)
        if first is not None:
            platform.links["link-1"] = {"title": first.title.get(), "custom": {"course": first.id}, "lineitem": None}
        with state.db.transaction() as session:
            row, _ = add_platform(session, PlatformDetails(
                issuer=platform.issuer, client_id=DEMO_CLIENT_ID, deployment_id=DEMO_DEPLOYMENT_ID,
                auth_login_url=base + "/demo/platform/authorize", auth_token_url=base + "/demo/platform/token",
                key_set_url=base + "/demo/platform/jwks", name="MIRCO demo platform"), "demo")
            # the tool's worker and the dev server are one host: hand the key set over instead of fetching it
            row.key_set = {"keys": platform_jwks(platform)}
        ext["mirco.demo"] = platform
    platform = ext["mirco.demo"]
    with state.db.sessions() as session:
        platform.tool_key_set = keys.jwks(session)
    return platform


def platform_jwks(platform: PlatformState) -> list[dict]:
    return [Registration.get_jwk(platform.public_pem)]


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    platform = demo_state()
    return render_template("demo/index.html", links=list(platform.links.items()), scores=platform.scores)


bp.register_blueprint(platform_blueprint("demo_platform", "/platform", demo_state))
