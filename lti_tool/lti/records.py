"""Keep a validated launch as rows: platform -> deployment, context, resource link, user, membership, launch."""
from __future__ import annotations

import unicodedata
import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lti_tool.lti import claims as C
from lti_tool.models import (LtiContext, LtiDeployment, LtiLaunch, LtiMembership, LtiPlatform, LtiResourceLink,
                             LtiUser, utcnow)

T = TypeVar("T")


def get_or_create(session: Session, model: type[T], lookup: dict[str, Any], **values: Any) -> T:
    """Select, else INSERT ... ON CONFLICT DO NOTHING and select again.

    A concurrent insert by another worker is picked up, not an error, and no savepoint is needed (with pysqlite a
    savepoint released outside an explicit BEGIN would commit early and break the caller's one transaction).
    """
    query = select(model).filter_by(**lookup)
    row = session.scalar(query)
    if row is not None:
        return row
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(model).values(**lookup, **values).on_conflict_do_nothing())
    return session.scalars(query).one()


def _text(value: Any, limit: int = 1000) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


MAX_LABEL = 255


def clean_label(value: Any) -> str | None:
    """A label to show and filter by: text without control characters, spaces collapsed, at most 255
    characters; None for anything else, and for an unsubstituted platform variable such as `$Person.org`."""
    if not isinstance(value, str):
        return None
    text = " ".join("".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in value).split())
    if not text or text.startswith("$"):
        return None
    return text[:MAX_LABEL]


def institution_from_claims(claims: dict) -> str | None:
    """The institution or group a launch names, for trainers' reports: the custom parameter `institution`,
    else the LIS claim's `course_section_sourcedid`; None when the launch names neither."""
    custom = claims.get(C.CUSTOM)
    if isinstance(custom, dict):
        found = clean_label(custom.get("institution"))
        if found:
            return found
    lis = claims.get(C.LIS)
    return clean_label(lis.get("course_section_sourcedid")) if isinstance(lis, dict) else None


class ClaimTooLong(ValueError):
    """An identifier claim longer than the tool stores; refused instead of truncated (ids must stay exact)."""


def check_identifier_sizes(claims: dict) -> None:
    ids = {"sub": claims.get("sub"), "deployment_id": claims.get(C.DEPLOYMENT_ID)}
    for claim, name in ((C.CONTEXT, "context id"), (C.RESOURCE_LINK, "resource link id")):
        if isinstance(claims.get(claim), dict):
            ids[name] = claims[claim].get("id")
    for name, value in ids.items():
        if isinstance(value, str) and len(value) > 255:
            raise ClaimTooLong(f"The {name} in the launch is longer than 255 characters.")


def record_launch(session: Session, platform: LtiPlatform, claims: dict) -> LtiLaunch:
    check_identifier_sizes(claims)
    deployment = get_or_create(session, LtiDeployment,
                               {"platform_id": platform.id, "deployment_id": claims[C.DEPLOYMENT_ID]})
    context = None
    context_claim = claims.get(C.CONTEXT) if isinstance(claims.get(C.CONTEXT), dict) else {}
    nrps = claims.get(C.NRPS) if isinstance(claims.get(C.NRPS), dict) else {}
    if isinstance(context_claim.get("id"), str):
        context = get_or_create(session, LtiContext, {"platform_id": platform.id, "context_id": context_claim["id"]})
        context.title = _text(context_claim.get("title")) or context.title or ""
        context.label = _text(context_claim.get("label")) or context.label or ""
        context.memberships_url = _text(nrps.get("context_memberships_url"), 4000) or context.memberships_url
    user = get_or_create(session, LtiUser, {"platform_id": platform.id, "sub": claims["sub"]})
    user.name = _text(claims.get("name")) or user.name
    user.email = _text(claims.get("email")) or user.email
    roles = [r for r in claims.get(C.ROLES, []) if isinstance(r, str)]
    if context is not None:
        membership = get_or_create(session, LtiMembership, {"context_pk": context.id, "user_pk": user.id},
                                   roles=roles, synced_at=utcnow())
        if membership.roles != roles:
            membership.roles = roles
        institution = institution_from_claims(claims)
        if institution and membership.institution != institution:
            membership.institution = institution
    link = None
    link_claim = claims.get(C.RESOURCE_LINK) if isinstance(claims.get(C.RESOURCE_LINK), dict) else {}
    if isinstance(link_claim.get("id"), str):
        link = get_or_create(session, LtiResourceLink,
                             {"platform_id": platform.id, "resource_link_id": link_claim["id"]},
                             deployment_pk=deployment.id, ags_scopes=[])
        link.context_pk = context.id if context else link.context_pk
        link.title = _text(link_claim.get("title")) or link.title or ""
        _apply_target(link, claims.get(C.CUSTOM))
        _apply_ags(link, claims.get(C.AGS))
    presentation = claims.get(C.LAUNCH_PRESENTATION) if isinstance(claims.get(C.LAUNCH_PRESENTATION), dict) else {}
    launch = LtiLaunch(
        id=uuid.uuid4().hex, platform_id=platform.id, deployment_pk=deployment.id,
        context_pk=context.id if context else None, resource_link_pk=link.id if link else None, user_pk=user.id,
        message_type=claims[C.MESSAGE_TYPE], roles=roles, locale=_text(presentation.get("locale"), 35),
        return_url=_text(presentation.get("return_url"), 4000),
        deep_linking=claims.get(C.DEEP_LINKING_SETTINGS) if claims[C.MESSAGE_TYPE] == "LtiDeepLinkingRequest" else None,
    )
    session.add(launch)
    session.flush()
    return launch


def _apply_target(link: LtiResourceLink, custom: Any) -> None:
    """Which content the link opens: custom parameters set by deep linking (or typed by a teacher)."""
    if not isinstance(custom, dict):
        return
    for field in ("course", "module", "lesson"):
        value = custom.get(field)
        if isinstance(value, str) and value and not value.startswith("$"):
            setattr(link, f"{field}_id", value[:100])


def _apply_ags(link: LtiResourceLink, ags: Any) -> None:
    if not isinstance(ags, dict):
        return
    link.lineitem_url = _text(ags.get("lineitem"), 4000) or link.lineitem_url
    link.lineitems_url = _text(ags.get("lineitems"), 4000) or link.lineitems_url
    scopes = ags.get("scope")
    if isinstance(scopes, list):
        link.ags_scopes = [s for s in scopes if isinstance(s, str)]
