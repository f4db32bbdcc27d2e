"""Wires the embedded LRS into the tool: the /xapi blueprint, the seed credential step of `mirco init`
(the way SQL LRS seeds its first key) and the worker drain that forwards statements to external LRSs."""
from __future__ import annotations

from flask import Flask

from lti_tool.config import Settings
from lti_tool.state import app_state
from lti_tool.worker import DRAINS
from xapi.clients import Client, ensure_client
from xapi.forwarder import drain_once, targets_from
from xapi.lrs import create_blueprint


def register_lrs(app: Flask) -> None:
    """Mount the LRS blueprint when `lrs_enabled`; MIRCO_LRS_DEFAULT_KEY/SECRET authenticate with scope `all`."""
    state = app_state(app)
    settings = state.settings
    if not settings.lrs_enabled:
        return
    app.register_blueprint(create_blueprint(
        state.db.sessions, authority_home=lrs_home(settings),
        seed_key=settings.lrs_default_key, seed_secret=settings.lrs_default_secret,
        max_statements=settings.lrs_max_statements, max_body_bytes=settings.lrs_max_body_bytes))


def tool_authority(settings: Settings) -> dict:
    """`authority` of the statements the tool itself writes (player, e-library, SCORM playback): an account at
    this LRS's own home page, like the Basic-auth clients' authorities, so consumers can tell who vouches."""
    return Client("MIRCO Learning Suite", "mirco", frozenset({"all"})).authority(lrs_home(settings))


def lrs_home(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + "/xapi"


def seed_default_client(app: Flask) -> None:
    """`mirco init` step: record the seed credential as a client row (listed by `mirco lrs clients list`)."""
    settings = app_state(app).settings
    if settings.lrs_default_key and settings.lrs_default_secret:
        with app_state(app).db.transaction() as session:
            ensure_client(session, "default (MIRCO_LRS_DEFAULT_KEY)", settings.lrs_default_key,
                          settings.lrs_default_secret, ["all"])


def forward_statements(app: Flask) -> int:
    """Worker drain: send new statements to every MIRCO_LRS_FORWARD_URLS target."""
    settings = app_state(app).settings
    targets = targets_from(settings.lrs_forward_urls, settings.lrs_forward_keys, settings.lrs_forward_secrets)
    return drain_once(app_state(app).db.sessions, targets, batch_size=settings.lrs_forward_batch) if targets else 0


DRAINS.append(forward_statements)
