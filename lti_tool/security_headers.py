"""Security headers on every response: a Content-Security-Policy whose `frame-ancestors` lets the registered
LTI platforms (and only them) show the tool in their iframe, plus nosniff and a referrer policy.

No X-Frame-Options: it cannot name several origins and would break Moodle's iframe. Platform origins come from
a provider the LTI blueprint installs with `set_platform_origins(app, provider)`; until then, and in addition,
the `frame_ancestors` setting (MIRCO_FRAME_ANCESTORS) lists origins by hand.
"""
from __future__ import annotations

import secrets
from typing import Callable, Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g

from lti_tool.state import app_state

PlatformOrigins = Callable[[], Iterable[str]]
_PROVIDER_KEY = "mirco.platform_origins"


def set_platform_origins(app: Flask, provider: PlatformOrigins) -> None:
    """Register the function that lists the registered platforms' issuer/login URLs (any URL; origins are kept)."""
    app.extensions[_PROVIDER_KEY] = provider


def origin(url: str) -> str | None:
    """`https://moodle.example.org/mod/lti/...` -> `https://moodle.example.org`; None for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or any(c in host for c in " ;,'\"\\"):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def frame_ancestors() -> list[str]:
    """Origins that may frame the tool: configured ones and those of every registered platform, deduplicated."""
    provider = current_app.extensions.get(_PROVIDER_KEY)
    urls = [*app_state().settings.frame_ancestors, *(provider() if provider else ())]
    return list(dict.fromkeys(o for o in map(origin, urls) if o))


def csp_nonce() -> str:
    """A per-response nonce for the rare inline script (`<script nonce="{{ csp_nonce() }}">`)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(ancestors: Iterable[str], nonce: str | None = None) -> str:
    """The tool's policy: everything from our own origin, images/media also from https (course media)."""
    framers = " ".join(["'self'", *ancestors])
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "media-src 'self' https:",
        "object-src 'none'",
        "base-uri 'self'",
        f"form-action {framers}",  # deep-linking responses post back to the platform
        f"frame-ancestors {framers}",
    ])


def _add_headers(response: Response) -> Response:
    if "Content-Security-Policy" not in response.headers:  # a view may set a policy of its own (SCORM content)
        response.headers["Content-Security-Policy"] = content_security_policy(frame_ancestors(), g.get("csp_nonce"))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
