"""Why a login or launch was refused: one log line and one counted reason per refusal.

A refused launch is what a learner reports as "the activity does not open"; the administrator needs the reason
without reading token contents. The reasons are a fixed vocabulary (`Reason`), so the Prometheus counter has a
bounded set of series and a log search finds every refusal of one kind. Nothing from the id_token is logged: only
what the tool's own signed state or the login request says (issuer, client id, deployment).
"""
from __future__ import annotations

import logging
from enum import StrEnum

from jwcrypto.common import JWException
from jwt import PyJWTError
from pylti1p3.exception import LtiException, OIDCException

from lti_tool import metrics

log = logging.getLogger("mirco.lti.refusals")
FIELD_CHARS = 200  # issuer, client id, deployment: a hostile login may send 4 KB of each


class Stage(StrEnum):
    LOGIN = "login"
    LAUNCH = "launch"


class Reason(StrEnum):
    MISSING_PARAMETER = "missing_parameter"
    TOO_LARGE = "too_large"
    FOREIGN_TARGET = "foreign_target"
    UNKNOWN_PLATFORM = "unknown_platform"
    PLATFORM_NOT_ACTIVE = "platform_not_active"
    UNKNOWN_DEPLOYMENT = "unknown_deployment"
    LOGIN_FAILED = "login_failed"
    WRONG_METHOD = "wrong_method"
    NO_STATE = "no_state"
    UNKNOWN_STATE = "unknown_state"
    REPLAYED_STATE = "replayed_state"
    COOKIE_REFUSED = "cookie_refused"
    BAD_NONCE = "bad_nonce"
    BAD_SIGNATURE = "bad_signature"
    PLATFORM_KEYS_UNAVAILABLE = "platform_keys_unavailable"
    WRONG_AUDIENCE = "wrong_audience"
    INVALID_TOKEN = "invalid_token"
    MALFORMED = "malformed"
    CLAIM_TOO_LONG = "claim_too_long"


def reason_of(exc: Exception) -> Reason:
    """The reason behind a pylti1p3 / JWT validation error. pylti1p3 has one exception class for most failures,
    so its fixed English messages tell them apart; anything unforeseen is `INVALID_TOKEN`."""
    text = str(exc).lower()
    if isinstance(exc, LtiException) and "key set at" in text:
        return Reason.PLATFORM_KEYS_UNAVAILABLE
    if "signature" in text or "unable to find public key" in text or "kid not found" in text:
        return Reason.BAD_SIGNATURE
    if "nonce" in text:
        return Reason.BAD_NONCE
    if "registration not found" in text or "client id not registered" in text:
        return Reason.UNKNOWN_PLATFORM
    if "deployment" in text:
        return Reason.UNKNOWN_DEPLOYMENT
    if "audience" in text or "authorized party" in text or "another registration" in text:
        return Reason.WRONG_AUDIENCE
    if isinstance(exc, (LtiException, OIDCException, PyJWTError, JWException)):
        return Reason.INVALID_TOKEN
    return Reason.MALFORMED


def record_refusal(stage: Stage, reason: Reason, status: int, *, issuer: str | None = None,
                   client_id: str | None = None, deployment_id: str | None = None) -> None:
    """Log the refusal on one line and count it; the learner's page is rendered by the caller."""
    fields = {"issuer": issuer, "client_id": client_id, "deployment_id": deployment_id}
    known = {k: v[:FIELD_CHARS] for k, v in fields.items() if isinstance(v, str) and v}
    described = " ".join(f"{k}={v!r}" for k, v in known.items()) or "platform unknown"
    log.warning("LTI %s refused (%s, HTTP %d): %s", stage.value, reason.value, status, described,
                extra={"lti_stage": stage.value, "lti_refusal": reason.value, "status": status, **known})
    metrics.count_refusal(stage.value, reason.value)
