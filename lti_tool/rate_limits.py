"""Rate limits on the endpoints anyone can call without a launch (Flask-Limiter), per client address.

OIDC login, launch and dynamic registration are limited per request; the LRS counts only its authentication
failures (401), so a client guessing credentials is slowed down while a working one is never counted. Counters live in
Redis when MIRCO_REDIS_URL is set (shared by every worker and host), else in each process's memory. A refused
request gets 429 with Retry-After, as a readable page or, for APIs, JSON (lti_tool.errors). The shipped nginx site
limits the same paths in front of the tool (packaging/nginx/mirco.conf).
"""
from __future__ import annotations

import time

from flask import Flask, Response
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many

from lti_tool.config import ConfigError, Settings

TOO_MANY = _l("Too many requests from your network in a short time. Wait a moment, then try again.")
LRS_BLUEPRINT = "xapi_lrs"


def _limits_of(setting: str, value: str) -> str:
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"MIRCO_{setting.upper()}: expected limits such as '60/minute;1000/hour', "
                          f"got {value!r}") from None
    return value


def _failed_authentication(response: Response) -> bool:
    return response.status_code == 401


def _retry_after_on_refusals(app: Flask, limiter: Limiter) -> None:
    """Retry-After on a 429 only. Flask-Limiter's own headers would put the window's reset (60 s) on every answer
    of a limited endpoint, 200s included, and raise a 503's shorter Retry-After (lti_tool.db_outage) to it."""
    @app.after_request
    def retry_after(response: Response) -> Response:
        current = limiter.current_limit if response.status_code == 429 else None
        if current is not None:
            response.headers["Retry-After"] = str(max(1, int(current.reset_at - time.time())))
        return response


def init_app(app: Flask, settings: Settings) -> Limiter | None:
    """Limit the anonymous endpoints of `app` (call it once every blueprint is registered)."""
    if not settings.rate_limits:
        return None
    anonymous = _limits_of("rate_limit_anonymous", settings.rate_limit_anonymous)
    lrs = _limits_of("rate_limit_lrs_auth_failures", settings.rate_limit_lrs_auth_failures)
    limiter = Limiter(get_remote_address, app=app, storage_uri=settings.redis_url or "memory://",
                      key_prefix="mirco-rate", strategy="moving-window",
                      in_memory_fallback_enabled=True, swallow_errors=True)  # Redis down: count in memory, no 500
    _retry_after_on_refusals(app, limiter)
    per_endpoint = limiter.limit(anonymous, error_message=lambda: TOO_MANY)  # a counter per endpoint and client
    for endpoint in ("lti.login", "lti.launch", "lti_registration.register"):
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = per_endpoint(app.view_functions[endpoint])
    if LRS_BLUEPRINT in app.blueprints:
        limiter.limit(lrs, deduct_when=_failed_authentication, error_message=lambda: TOO_MANY)(
            app.blueprints[LRS_BLUEPRINT])
    return limiter
