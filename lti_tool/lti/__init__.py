"""LTI 1.3 Advantage on pylti1p3: the only package that imports pylti1p3 (see docs/decisions/0001-pylti1p3next.md)."""
from __future__ import annotations

import time
from typing import Callable, Iterable

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lti_tool import security_headers
from lti_tool.lti.toolconf import ACTIVE
from lti_tool.models import LtiPlatform
from lti_tool.state import app_state

OUTAGE_RETRY_S = 5.0
ORIGINS_TTL = 30.0


def platform_urls(app: Flask) -> Callable[[], Iterable[str]]:
    """Active platforms' issuer and login URLs (for the CSP frame-ancestors/form-action), re-read every 30 s.
    A pending registration gets no framing rights until an administrator approves it."""
    cache: dict[str, tuple[float, list[str]]] = {}

    def provider() -> list[str]:
        expires, urls = cache.get("urls", (0.0, []))
        if expires < time.monotonic():
            try:
                with app_state(app).db.sessions() as session:
                    rows = session.execute(select(LtiPlatform.issuer, LtiPlatform.auth_login_url)
                                           .where(LtiPlatform.status == ACTIVE)).all()
            except SQLAlchemyError:
                if "urls" not in cache:
                    raise
                # the database is briefly away: the origins known before still hold, and every response until
                # the next try uses them instead of waiting on the database again
                cache["urls"] = (time.monotonic() + OUTAGE_RETRY_S, urls)
                return urls
            urls = [url for row in rows for url in row]
            cache["urls"] = (time.monotonic() + ORIGINS_TTL, urls)
        return urls

    return provider


def register_lti(app: Flask) -> None:
    """Mount the LTI endpoints, the player and (only with MIRCO_DEMO=1) the demo platform."""
    from lti_tool.lti import deep_linking, registration, views
    from lti_tool.views import player

    app.register_blueprint(views.bp)
    app.register_blueprint(deep_linking.bp)
    app.register_blueprint(registration.bp)
    app.register_blueprint(player.bp)
    security_headers.set_platform_origins(app, platform_urls(app))
    if app_state(app).settings.demo:
        from lti_tool.demo import views as demo_views

        app.register_blueprint(demo_views.bp)
