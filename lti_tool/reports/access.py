"""Who may read which context's reports: Instructor-like roles in their context, tool administrators in every
context of their platform. Learners get 403 (through `require_launch("instructor")` in the views)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.identity import LaunchContext
from lti_tool.models import LtiContext

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
ADMIN_ROLES = frozenset({LIS + "system/person#Administrator", LIS + "system/person#SysAdmin",
                         LIS + "institution/person#Administrator"})
"""Platform administrators (Moodle sends these for site admins): they see every context of their platform."""


def is_tool_admin(launch: LaunchContext) -> bool:
    return any(role in ADMIN_ROLES for role in launch.roles)


def may_read_reports(launch: LaunchContext) -> bool:
    """Instructor, TeachingAssistant, ContentDeveloper, Administrator (context) or a platform administrator."""
    return launch.is_instructor or is_tool_admin(launch)


@dataclass(frozen=True)
class ContextRow:
    pk: int
    title: str
    label: str
    context_id: str


def readable_contexts(session: Session, launch: LaunchContext) -> list[ContextRow]:
    """The contexts this launch may report on, the launch's own first."""
    query = select(LtiContext.id, LtiContext.title, LtiContext.label, LtiContext.context_id)
    if is_tool_admin(launch):
        query = query.where(LtiContext.platform_id == launch.platform_pk)
    elif launch.context_pk is not None and launch.is_instructor:
        query = query.where(LtiContext.id == launch.context_pk)
    else:
        return []
    rows = [ContextRow(pk, title or "", label or "", cid) for pk, title, label, cid in
            session.execute(query.order_by(LtiContext.title, LtiContext.id))]
    return sorted(rows, key=lambda r: r.pk != launch.context_pk)


def require_context(session: Session, launch: LaunchContext, context_pk: int) -> ContextRow:
    """The context if this launch may read it; 404 otherwise (no hint that another course exists)."""
    found = next((c for c in readable_contexts(session, launch) if c.pk == context_pk), None)
    if found is None:
        abort(404, description=_l("There is no course with this number among the courses you can report on."))
    return found
