"""Keep a validated launch as rows: platform -> deployment, context, resource link, user, membership, launch."""
from __future__ import annotations

import unicodedata
import uuid
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import and_, false, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from courses.launch_url import content_in_launch_url
from lti_tool.grading import policy_of
from lti_tool.locale_tags import to_bcp47
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


def record_launch(session: Session, platform: LtiPlatform, claims: dict, tool_base: str | None = None) -> LtiLaunch:
    """Keep the launch; `tool_base` (the tool's public base URL) lets a `target_link_uri` of this tool name the
    content when no custom parameter does."""
    check_identifier_sizes(claims)
    context_claim = claims.get(C.CONTEXT) if isinstance(claims.get(C.CONTEXT), dict) else {}
    link_claim = claims.get(C.RESOURCE_LINK) if isinstance(claims.get(C.RESOURCE_LINK), dict) else {}
    context_id = context_claim.get("id") if isinstance(context_claim.get("id"), str) else None
    link_id = link_claim.get("id") if isinstance(link_claim.get("id"), str) else None
    known = _known_rows(session, platform.id, claims[C.DEPLOYMENT_ID], context_id, claims["sub"], link_id)
    deployment = known.deployment or get_or_create(
        session, LtiDeployment, {"platform_id": platform.id, "deployment_id": claims[C.DEPLOYMENT_ID]})
    context = None
    nrps = claims.get(C.NRPS) if isinstance(claims.get(C.NRPS), dict) else {}
    if context_id is not None:
        context = known.context or get_or_create(session, LtiContext,
                                                 {"platform_id": platform.id, "context_id": context_id})
        context.title = _text(context_claim.get("title")) or context.title or ""
        context.label = _text(context_claim.get("label")) or context.label or ""
        context.memberships_url = _text(nrps.get("context_memberships_url"), 4000) or context.memberships_url
    user = known.user or get_or_create(session, LtiUser, {"platform_id": platform.id, "sub": claims["sub"]})
    user.name = _text(claims.get("name")) or user.name
    user.email = _text(claims.get("email")) or user.email
    roles = [r for r in claims.get(C.ROLES, []) if isinstance(r, str)]
    if context is not None:
        membership = known.membership or get_or_create(
            session, LtiMembership, {"context_pk": context.id, "user_pk": user.id}, roles=roles, synced_at=utcnow())
        membership.roles = roles
        membership.institution = institution_from_claims(claims) or membership.institution
    link = None
    if link_id is not None:
        link = known.link or get_or_create(session, LtiResourceLink,
                                           {"platform_id": platform.id, "resource_link_id": link_id},
                                           deployment_pk=deployment.id, ags_scopes=[])
        link.context_pk = context.id if context else link.context_pk
        link.title = _text(link_claim.get("title")) or link.title or ""
        _apply_target(link, claims.get(C.CUSTOM), claims.get(C.TARGET_LINK_URI), tool_base)
        _apply_ags(link, claims.get(C.AGS))
    presentation = claims.get(C.LAUNCH_PRESENTATION) if isinstance(claims.get(C.LAUNCH_PRESENTATION), dict) else {}
    launch = LtiLaunch(
        id=uuid.uuid4().hex, platform_id=platform.id, deployment_pk=deployment.id,
        context_pk=context.id if context else None, resource_link_pk=link.id if link else None, user_pk=user.id,
        message_type=claims[C.MESSAGE_TYPE], roles=roles, locale=to_bcp47(presentation.get("locale")),
        return_url=_text(presentation.get("return_url"), 4000),
        deep_linking=claims.get(C.DEEP_LINKING_SETTINGS) if claims[C.MESSAGE_TYPE] == "LtiDeepLinkingRequest" else None,
    )
    session.add(launch)
    session.flush()
    return launch


class _KnownRows(NamedTuple):
    deployment: LtiDeployment | None
    context: LtiContext | None
    user: LtiUser | None
    membership: LtiMembership | None
    link: LtiResourceLink | None


def _known_rows(session: Session, platform_pk: int, deployment_id: str, context_id: str | None, sub: str,
                link_id: str | None) -> _KnownRows:
    """The rows a returning learner's launch touches, in one query (five before): None where a row is new.
    Assigning them equal values later writes nothing: the ORM leaves unchanged columns out of its UPDATE."""
    def matches(column: Any, value: str | None) -> Any:
        return column == value if value is not None else false()

    row = session.execute(
        select(LtiDeployment, LtiContext, LtiUser, LtiMembership, LtiResourceLink)
        .select_from(LtiPlatform)
        .outerjoin(LtiDeployment, and_(LtiDeployment.platform_id == LtiPlatform.id,
                                       LtiDeployment.deployment_id == deployment_id))
        .outerjoin(LtiContext, and_(LtiContext.platform_id == LtiPlatform.id,
                                    matches(LtiContext.context_id, context_id)))
        .outerjoin(LtiUser, and_(LtiUser.platform_id == LtiPlatform.id, LtiUser.sub == sub))
        .outerjoin(LtiMembership, and_(LtiMembership.context_pk == LtiContext.id, LtiMembership.user_pk == LtiUser.id))
        .outerjoin(LtiResourceLink, and_(LtiResourceLink.platform_id == LtiPlatform.id,
                                         matches(LtiResourceLink.resource_link_id, link_id)))
        .where(LtiPlatform.id == platform_pk)).first()
    return _KnownRows(*row) if row is not None else _KnownRows(None, None, None, None, None)


def _apply_target(link: LtiResourceLink, custom: Any, target: Any, tool_base: str | None) -> None:
    """Which content the link opens: custom parameters set by deep linking (or typed by a teacher); else the
    launch URL itself when it is this tool's and names content (a cartridge's links, whose custom parameters
    Moodle's importer drops). A foreign or malformed target names nothing."""
    custom = custom if isinstance(custom, dict) else {}
    grading = policy_of(custom.get("grading"))
    if grading is not None:
        link.grading = grading.value
    named = {field: custom.get(field) for field in ("course", "module", "lesson")}
    named = {k: v for k, v in named.items() if isinstance(v, str) and v and not v.startswith("$")}
    if "course" not in named and tool_base:
        found = content_in_launch_url(target, tool_base)
        if found is not None:
            link.course_id, link.module_id, link.lesson_id = found.course, found.module, found.item
            return
    for field, value in named.items():
        setattr(link, f"{field}_id", value[:100])


def _apply_ags(link: LtiResourceLink, ags: Any) -> None:
    if not isinstance(ags, dict):
        return
    link.lineitem_url = _text(ags.get("lineitem"), 4000) or link.lineitem_url
    link.lineitems_url = _text(ags.get("lineitems"), 4000) or link.lineitems_url
    scopes = ags.get("scope")
    if isinstance(scopes, list):
        link.ags_scopes = [s for s in scopes if isinstance(s, str)]
