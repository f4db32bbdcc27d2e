"""Who is using the tool, from their launch: `current_learner()` and the `require_launch` decorator.

The browser session (its cookie) holds the launches this browser made; links and forms name their launch with a
signed, short-lived token (`lti_tool.launch_tokens`), never with the raw launch id. With the cookie, the token only
works together with it; without it (a cross-site iframe whose browser blocks cookies) the token is the credential,
until it expires. A launch also closes after `launch_idle_minutes` without use and `launch_max_hours` after it began.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any, Callable, TypeVar

from flask import abort, g, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool import launch_tokens
from lti_tool.launch_tokens import LaunchToken, TokenKind
from lti_tool.lti.roles import role_flags
from lti_tool.models import LtiContext, LtiDeployment, LtiLaunch, LtiPlatform, LtiResourceLink, LtiUser, utcnow
from lti_tool.state import app_state
from xapi.builders import Learner

LAUNCH_SESSION_KEY = "lti_launches"  # [[launch id, last use in epoch seconds], ...], the most recent launch last
MAX_SESSION_LAUNCHES = 8
TOUCH_SECONDS = 60  # the cookie is rewritten at most once a minute per launch to record its use
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class LaunchContext:
    launch_id: str
    platform_pk: int
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    user_pk: int
    user_sub: str
    name: str | None
    email: str | None
    roles: tuple[str, ...]
    is_instructor: bool
    is_learner: bool
    locale: str | None
    context_pk: int | None
    context_id: str | None
    context_title: str | None
    resource_link_pk: int | None
    resource_link_id: str | None
    course_id: str | None
    module_id: str | None
    lesson_id: str | None
    return_url: str | None

    def learner(self) -> Learner:
        """The xAPI learner of this launch (names and e-mail reach statements only when the settings allow)."""
        return Learner(issuer=self.issuer, subject=self.user_sub, name=self.name, email=self.email)

    @property
    def token(self) -> str:
        """The `launch` value for this page's links and forms (see `launch_token`)."""
        return launch_token(self.launch_id)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _idle_seconds() -> int:
    return app_state().settings.launch_idle_minutes * 60


def _session_launches() -> dict[str, int]:
    """The session's launches in launch order (kept as a list: the session serializer sorts dict keys)."""
    value = session.get(LAUNCH_SESSION_KEY)
    return {pair[0]: pair[1] for pair in value if isinstance(pair, list) and len(pair) == 2} \
        if isinstance(value, list) else {}


def _store_launches(launches: dict[str, int]) -> None:
    session[LAUNCH_SESSION_KEY] = [[k, v] for k, v in launches.items()][-MAX_SESSION_LAUNCHES:]


def _fresh_in_session(launch_id: str) -> bool:
    """The session cookie holds `launch_id` and it was used within the idle lifetime."""
    seen = _session_launches().get(launch_id)
    return isinstance(seen, int) and time.time() - seen <= _idle_seconds()


def remember_launch(launch_id: str) -> None:
    """Bind a new launch to this browser's session cookie (kept to the few most recent launches)."""
    launches = {k: v for k, v in _session_launches().items() if k != launch_id}
    launches[launch_id] = int(time.time())
    _store_launches(launches)


def _touch(launch_id: str) -> None:
    launches = _session_launches()
    if launch_id in launches and time.time() - launches[launch_id] > TOUCH_SECONDS:
        _store_launches({**launches, launch_id: int(time.time())})


def read_launch_token(value: object) -> LaunchToken | None:
    """A valid, unexpired token of ours; a BOUND token only with the session cookie that holds its launch."""
    settings = app_state().settings
    token = launch_tokens.read(settings.secret_key, value, _idle_seconds(), settings.launch_max_hours * 3600)
    if token is None or (token.kind is TokenKind.BOUND and not _fresh_in_session(token.launch_id)):
        return None
    return token


def launch_id_from_request() -> str | None:
    """The launch named by the `launch` token, else (for reading only) the session's most recent launch.

    Changes (POST...) must name the launch explicitly: the session cookie is `SameSite=None`, so a foreign site
    could make the browser send it with a forged form (CSRF); it cannot know a signed token for the launch.
    A raw launch id, a forged, expired or (without its cookie) bound token names nothing.
    """
    if "mirco_launch_id" in g:
        return g.mirco_launch_id
    launch_id = None
    value = request.values.get("launch")
    if value is not None:
        token = read_launch_token(value)
        if token is not None:
            g.mirco_launch_token = token
            launch_id = token.launch_id
    elif request.method in SAFE_METHODS and _session_launches():
        latest = list(_session_launches())[-1]
        launch_id = latest if _fresh_in_session(latest) else None
    if launch_id is not None:
        _touch(launch_id)
    g.mirco_launch_id = launch_id
    return launch_id


def launch_token(launch_id: str, kind: TokenKind | None = None) -> str:
    """The token that names `launch_id` in this response's links and forms: BOUND when this browser's cookie holds
    the launch, else BEARER (or `kind` when the caller knows better). The request's own token is reused while it
    is young (less than half the idle lifetime), so a page's links stay stable and a learner who keeps working
    keeps a fresh one."""
    kind = kind if kind is not None else (TokenKind.BOUND if _fresh_in_session(launch_id) else TokenKind.BEARER)
    incoming: LaunchToken | None = g.get("mirco_launch_token")
    if incoming is not None and incoming.launch_id == launch_id and incoming.kind is kind \
            and time.time() - incoming.issued_at < _idle_seconds() / 2:
        return incoming.value
    issued = g.setdefault("mirco_issued_tokens", {})
    if (launch_id, kind) not in issued:
        issued[(launch_id, kind)] = launch_tokens.issue(app_state().settings.secret_key, launch_id, kind)
    return issued[(launch_id, kind)]


def launch_named_by(value: object) -> str | None:
    """The launch id a form field's token names (None for anything else): for forms that must name their launch."""
    token = read_launch_token(value)
    return token.launch_id if token else None


_LAUNCH_COLUMNS = (
    LtiLaunch.id.label("launch_id"), LtiPlatform.id.label("platform_pk"), LtiPlatform.issuer, LtiPlatform.client_id,
    LtiDeployment.deployment_id, LtiLaunch.message_type, LtiUser.id.label("user_pk"), LtiUser.sub.label("user_sub"),
    LtiUser.name, LtiUser.email, LtiLaunch.roles, LtiLaunch.locale, LtiContext.id.label("context_pk"),
    LtiContext.context_id, LtiContext.title.label("context_title"), LtiResourceLink.id.label("resource_link_pk"),
    LtiResourceLink.resource_link_id, LtiResourceLink.course_id, LtiResourceLink.module_id,
    LtiResourceLink.lesson_id, LtiLaunch.return_url)


def load_launch(launch_id: str, max_age: timedelta | None = None) -> LaunchContext | None:
    """One query for the columns a page needs (every page of a launch runs it: no ORM objects to build); with
    `max_age`, a launch older than that is not found."""
    since = utcnow() - max_age if max_age is not None else None
    with app_state().db.sessions() as db_session:
        row = db_session.execute(
            select(*_LAUNCH_COLUMNS)
            .join(LtiPlatform, LtiPlatform.id == LtiLaunch.platform_id)
            .join(LtiDeployment, LtiDeployment.id == LtiLaunch.deployment_pk)
            .join(LtiUser, LtiUser.id == LtiLaunch.user_pk)
            .outerjoin(LtiContext, LtiContext.id == LtiLaunch.context_pk)
            .outerjoin(LtiResourceLink, LtiResourceLink.id == LtiLaunch.resource_link_pk)
            .where(LtiLaunch.id == launch_id)
            .where(*(() if since is None else (LtiLaunch.created_at > since,)))).mappings().first()
    if row is None:
        return None
    flags = role_flags(row["roles"])
    return LaunchContext(**{**row, "roles": tuple(row["roles"])}, is_instructor=flags.is_instructor,
                         is_learner=flags.is_learner)


def current_learner() -> LaunchContext | None:
    """The launch of this request (from the `launch` token or the session), loaded once per request; a launch
    older than `launch_max_hours` is closed."""
    if "mirco_launch" not in g:
        launch_id = launch_id_from_request()
        max_age = timedelta(hours=app_state().settings.launch_max_hours)
        g.mirco_launch = load_launch(launch_id, max_age) if launch_id else None
    return g.mirco_launch


def require_launch(role: str | None = None) -> Callable[[F], F]:
    """Refuse with 401 without a launch, 403 when `role` ("instructor" or "learner") does not match."""
    if role not in (None, "instructor", "learner"):
        raise ValueError(f"unknown role {role!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            launch = current_learner()
            if launch is None:
                abort(401, description=_l("This page opens from an activity in your course: launch it from there."))
            if role == "instructor" and not launch.is_instructor:
                abort(403, description=_l("This page is for the course's instructors only."))
            if role == "learner" and launch.is_instructor:
                abort(403, description=_l("This page is for learners; instructors use the report pages."))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
