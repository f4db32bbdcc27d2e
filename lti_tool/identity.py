"""Who is using the tool, from their launch: `current_learner()` and the `require_launch` decorator.

The browser session holds the launch id; pages inside a platform iframe whose browser blocks cookies pass it as
the `launch` parameter instead (a random 128-bit id that only this browser received).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, TypeVar

from flask import abort, g, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.lti.roles import role_flags
from lti_tool.models import LtiContext, LtiDeployment, LtiLaunch, LtiPlatform, LtiResourceLink, LtiUser
from lti_tool.state import app_state
from xapi.builders import Learner

LAUNCH_SESSION_KEY = "lti_launch"
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


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def launch_id_from_request() -> str | None:
    """The launch id from the `launch` parameter, else (for reading only) from the session.

    Changes (POST...) must name the launch explicitly: the session cookie is `SameSite=None`, so a foreign site
    could make the browser send it with a forged form (CSRF); it cannot know the launch id.
    """
    value = request.values.get("launch")
    if value is None and request.method in SAFE_METHODS:
        value = session.get(LAUNCH_SESSION_KEY)
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


_LAUNCH_COLUMNS = (
    LtiLaunch.id.label("launch_id"), LtiPlatform.id.label("platform_pk"), LtiPlatform.issuer, LtiPlatform.client_id,
    LtiDeployment.deployment_id, LtiLaunch.message_type, LtiUser.id.label("user_pk"), LtiUser.sub.label("user_sub"),
    LtiUser.name, LtiUser.email, LtiLaunch.roles, LtiLaunch.locale, LtiContext.id.label("context_pk"),
    LtiContext.context_id, LtiContext.title.label("context_title"), LtiResourceLink.id.label("resource_link_pk"),
    LtiResourceLink.resource_link_id, LtiResourceLink.course_id, LtiResourceLink.module_id,
    LtiResourceLink.lesson_id, LtiLaunch.return_url)


def load_launch(launch_id: str) -> LaunchContext | None:
    """One query for the columns a page needs (every page of a launch runs it: no ORM objects to build)."""
    with app_state().db.sessions() as db_session:
        row = db_session.execute(
            select(*_LAUNCH_COLUMNS)
            .join(LtiPlatform, LtiPlatform.id == LtiLaunch.platform_id)
            .join(LtiDeployment, LtiDeployment.id == LtiLaunch.deployment_pk)
            .join(LtiUser, LtiUser.id == LtiLaunch.user_pk)
            .outerjoin(LtiContext, LtiContext.id == LtiLaunch.context_pk)
            .outerjoin(LtiResourceLink, LtiResourceLink.id == LtiLaunch.resource_link_pk)
            .where(LtiLaunch.id == launch_id)).mappings().first()
    if row is None:
        return None
    flags = role_flags(row["roles"])
    return LaunchContext(**{**row, "roles": tuple(row["roles"])}, is_instructor=flags.is_instructor,
                         is_learner=flags.is_learner)


def current_learner() -> LaunchContext | None:
    """The launch of this request (from the `launch` parameter or the session), loaded once per request."""
    if "mirco_launch" not in g:
        launch_id = launch_id_from_request()
        g.mirco_launch = load_launch(launch_id) if launch_id else None
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
