"""Probes for load balancers and orchestrators, and the Prometheus scrape endpoint.

`/healthz`: the process answers (liveness; never touches the database, so a database outage does not make
the orchestrator kill healthy workers). `/readyz`: this worker can serve (database, schema, Redis).
`/metrics`: Prometheus text format; keep it internal (the nginx site only allows local scrapers).
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from lti_tool import metrics
from lti_tool.checks import readiness
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


@bp.get("/metrics")
def metrics_endpoint() -> Response:
    state = app_state()
    return metrics.scrape(state.db.engine, state.settings.lrs_forward_urls)
