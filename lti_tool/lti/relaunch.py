"""Where a learner starts a fresh launch when the browser refuses the tool's state cookie even partitioned.

The login's `lti_message_hint` and `login_hint` are one-time values at most platforms (Moodle keeps the hint's
`launchid` in its session and drops it once its auth endpoint has answered), so the tool can never replay a login
in a new window: only the platform can start a fresh one. What the tool knows at that point is the login request
(issuer, client id, deployment, `lti_message_hint`) and the platform's registration (its auth URL). From these:

- Moodle (auth URL `<wwwroot>/mod/lti/auth.php`, hint `{"cmid": N, "launchid": ...}`): the activity's own launch
  page `<wwwroot>/mod/lti/launch.php?id=N`, which starts a new login with a new hint, in whatever window opens it.
- Any other platform: no such page is known, so the learner is sent to the platform's site to open the activity
  again (`platform_site_url`).

See docs/decisions/0026-launch-fallback-through-the-platform.md.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit, urlunsplit

MOODLE_AUTH_PATH = "/mod/lti/auth.php"
MAX_CMID_DIGITS = 18


def _cmid(lti_message_hint: str | None) -> int | None:
    """Moodle's course-module id inside its JSON login hint (the hint itself is never reused)."""
    try:
        hint = json.loads(lti_message_hint or "")
    except ValueError:
        return None
    cmid = hint.get("cmid") if isinstance(hint, dict) else None
    if isinstance(cmid, str) and cmid.isascii() and cmid.isdigit() and len(cmid) <= MAX_CMID_DIGITS:
        cmid = int(cmid)
    if isinstance(cmid, int) and not isinstance(cmid, bool) and 0 < cmid < 10 ** MAX_CMID_DIGITS:
        return cmid
    return None


def platform_relaunch_url(auth_login_url: str, lti_message_hint: str | None) -> str | None:
    """The platform page that starts a fresh launch of this activity, or None when the platform has none we know."""
    parts = urlsplit(auth_login_url)
    cmid = _cmid(lti_message_hint)
    if parts.scheme not in ("http", "https") or not parts.path.endswith(MOODLE_AUTH_PATH) or cmid is None:
        return None
    path = parts.path.removesuffix("auth.php") + "launch.php"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode({"id": cmid}), ""))


def platform_site_url(auth_login_url: str) -> str | None:
    """The platform's site (where the learner opens the activity again), from its registered auth URL."""
    parts = urlsplit(auth_login_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if parts.path.endswith(MOODLE_AUTH_PATH):
        return urlunsplit((parts.scheme, parts.netloc, parts.path.removesuffix(MOODLE_AUTH_PATH) + "/", "", ""))
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
