"""Signed, short-lived launch tokens: what a page puts in its links and forms instead of the launch id.

A raw launch id is never accepted from a request. A token names one launch, is signed with the application's
secret key (itsdangerous) and carries its issue time, so it is useless after its lifetime. Three kinds:

- BOUND: issued when this browser's session cookie holds the launch; it is accepted only together with that cookie,
  so a copied URL is worthless. The cookie's entry tells idleness, so the token lives as long as the launch may
  (a SCO committing for hours from one page keeps working while the learner is active). It still travels in links and forms because it names *which* launch a page
  belongs to (a browser may have several activities open) and because a change (POST) must name its launch,
  which a foreign site cannot forge (CSRF).
- BEARER: issued when the cookie did not come back (a cross-site iframe whose browser blocks cookies): the
  token alone is the credential, for the idle lifetime at most.
- HOP: the redirect right after the launch, before the tool knows whether the cookie works: a bearer token valid
  for two minutes only, so the URL that reaches logs and history expires almost at once.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from enum import IntEnum

from itsdangerous import BadData, URLSafeTimedSerializer

SALT = "mirco.launch-token"
HOP_SECONDS = 120
MAX_TOKEN_CHARS = 256


class TokenKind(IntEnum):
    BEARER = 0
    BOUND = 1
    HOP = 2


@dataclass(frozen=True)
class LaunchToken:
    value: str
    launch_id: str
    kind: TokenKind
    issued_at: int


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def issue(secret_key: str, launch_id: str, kind: TokenKind) -> str:
    return _serializer(secret_key).dumps([launch_id, int(kind)])


def read(secret_key: str, value: object, idle_seconds: int, bound_seconds: int) -> LaunchToken | None:
    """The token's launch and kind if `value` is a well-formed token of ours that has not expired (HOP after two
    minutes, BEARER after `idle_seconds`, BOUND after `bound_seconds`), else None."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_TOKEN_CHARS:
        return None
    try:
        payload, issued = _serializer(secret_key).loads(value, return_timestamp=True)
    except BadData:
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], str)
            and payload[1] in set(TokenKind)):
        return None
    kind = TokenKind(payload[1])
    age = time.time() - issued.timestamp()
    if age > {TokenKind.HOP: HOP_SECONDS, TokenKind.BEARER: idle_seconds, TokenKind.BOUND: bound_seconds}[kind]:
        return None
    return LaunchToken(value, payload[0], kind, int(issued.timestamp()))
