"""Prometheus metrics: counters other parts of the tool increment, gauges computed when scraped.

Counting is one call: `metrics.count_launch("LtiResourceLinkRequest")`, `metrics.count_ags_failure("HTTPError")`.
Statements stored are counted from the LRS table when scraped, so that every writer (the player, LRS clients
over HTTP, other processes) is included and a rolled-back transaction never is. Under gunicorn, `PROMETHEUS_MULTIPROC_DIR` (set by
packaging/gunicorn.conf.py before any worker imports this module) makes every worker write its counts to files
that one scrape adds up, whichever worker answers it.
"""
from __future__ import annotations

import os

from flask import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine

from lti_tool.backlog import outbox_backlog, stored_statements

COUNTERS = CollectorRegistry(auto_describe=True)

LAUNCHES = Counter("mirco_lti_launches", "Valid LTI launches, by message type.", ["message_type"],
                   registry=COUNTERS)
REFUSALS = Counter("mirco_lti_refusals", "Refused LTI logins and launches, by stage and reason "
                   "(lti_tool.lti.refusals.Reason: a fixed vocabulary).", ["stage", "reason"], registry=COUNTERS)
AGS_FAILURES = Counter("mirco_ags_failures", "Failed attempts to send a score to a platform (AGS).", ["reason"],
                       registry=COUNTERS)
HTTP_REQUESTS = Histogram("mirco_http_request_duration_seconds", "Time to answer HTTP requests.",
                          ["method", "status"], registry=COUNTERS,
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def count_launch(message_type: str = "LtiResourceLinkRequest") -> None:
    LAUNCHES.labels(message_type=message_type).inc()


def count_refusal(stage: str, reason: str) -> None:
    """`reason` is one of a fixed vocabulary (lti_tool.lti.refusals.Reason), never a message."""
    REFUSALS.labels(stage=stage, reason=reason).inc()


def count_ags_failure(reason: str = "error") -> None:
    """`reason` is a small fixed vocabulary (an exception class name), never a message: one series per value."""
    AGS_FAILURES.labels(reason=reason).inc()


def observe_request(method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method=method, status=str(status)).observe(seconds)


class DatabaseCollector:
    """Figures read from the database at scrape time (not kept per worker): statements stored, outbox depth,
    age of the oldest waiting entry, entries given up on."""

    def __init__(self, engine: Engine, forward_targets: tuple[str, ...]) -> None:
        self.engine = engine
        self.forward_targets = forward_targets

    def collect(self):  # type: ignore[no-untyped-def]
        depth = GaugeMetricFamily("mirco_outbox_depth", "Entries waiting in an outbox.", labels=["outbox"])
        age = GaugeMetricFamily("mirco_outbox_oldest_age_seconds", "Age of the oldest waiting entry.",
                                labels=["outbox"])
        failed = GaugeMetricFamily("mirco_outbox_failed", "Entries given up on for good.", labels=["outbox"])
        for entry in outbox_backlog(self.engine, self.forward_targets):
            depth.add_metric([entry.name], entry.depth)
            age.add_metric([entry.name], entry.oldest_age_seconds)
            failed.add_metric([entry.name], entry.failed)
        yield from (depth, age, failed)
        stored = stored_statements(self.engine)
        if stored is not None:
            yield CounterMetricFamily("mirco_xapi_statements_stored", "xAPI statements stored in the embedded LRS.",
                                      value=stored)


def scrape(engine: Engine, forward_targets: tuple[str, ...] = ()) -> Response:
    """The Prometheus text exposition of every worker's counters plus the database-derived gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(COUNTERS)
    registry.register(DatabaseCollector(engine, forward_targets))
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
