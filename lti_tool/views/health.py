"""Probes for load balancers and orchestrators, and the Prometheus scrape endpoint.

`/healthz`: the process answers (liveness; never touches the database, so a database outage does not make
the orchestrator kill healthy workers). `/readyz`: this worker can serve (database, schema, Redis).
`/metrics`: Prometheus text format, closed (404) unless configured: a scraper sends the bearer token
MIRCO_METRICS_TOKEN, or comes from an address in MIRCO_METRICS_ALLOW (the nginx site also only lets local
scrapers through). The counters tell launch volumes and failures, which are nobody else's business.
"""
from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, abort, jsonify, request

from lti_tool import metrics
from lti_tool.checks import readiness
from lti_tool.config import Settings
from lti_tool.state import app_state

bp = Blueprint("health", __name__)


@bp.after_request
def _own_policy(response: Response) -> Response:
    """Probes are never framed: a fixed policy, so answering needs no database (the app-wide CSP reads platforms)."""
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    state = app_state()
    checks = readiness(state.db.engine, state.settings.redis_url)
    ready = all(check.ok for check in checks)
    body = {"status": "ready" if ready else "not ready",
            "checks": {check.name: "ok" if check.ok else check.detail for check in checks}}
    return jsonify(body), 200 if ready else 503


def _may_scrape(settings: Settings) -> bool:
    """The request carries the metrics token, or comes from an allowed address (after ProxyFix: the client's)."""
    sent = request.headers.get("Authorization", "")
    if settings.metrics_token and hmac.compare_digest(sent.encode(), f"Bearer {settings.metrics_token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(allowed, strict=False) for allowed in settings.metrics_allow)


@bp.get("/metrics")
def metrics_endpoint() -> Response:
    state = app_state()
    settings = state.settings
    if not (settings.metrics_token or settings.metrics_allow):
        abort(404)  # closed: as if there were no such page
    if not _may_scrape(settings):
        abort(403, description="Metrics are for the configured scrapers only (MIRCO_METRICS_TOKEN, "
                               "MIRCO_METRICS_ALLOW).")
    return metrics.scrape(state.db.engine, settings.lrs_forward_urls)
