"""LTI Advantage services the tool calls: AGS scores (drained from the outbox) and NRPS rosters.

Access tokens are cached in the shared launch store per issuer + client id until they expire.
"""
from __future__ import annotations

from datetime import timedelta

import requests
from flask import Flask
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool import metrics
from lti_tool.launch_store import LaunchStore, launch_store
from lti_tool.lti import claims as C
from lti_tool.lti.flow import ClientKeyedServiceConnector
from lti_tool.lti.records import get_or_create
from lti_tool.lti.toolconf import DatabaseToolConf
from lti_tool.models import LtiContext, LtiMembership, LtiPlatform, LtiResourceLink, LtiUser, OutboxMessage, utcnow
from lti_tool.grading import AGS_SCORE
from lti_tool.state import app_state

MAX_ATTEMPTS = 12
BATCH = 50


class ServiceUnavailable(Exception):
    """The platform could not be asked (no service in the launch, refused, unreachable); message says which."""


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at 6 h: about two days of retries before a message is given up."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


LEASE = timedelta(minutes=5)


def _connector(session: Session, app: Flask, platform: LtiPlatform, store: LaunchStore) -> ClientKeyedServiceConnector:
    registration = DatabaseToolConf(session, app_state(app).settings.keys_path).registration_for(platform)
    return ClientKeyedServiceConnector(registration, store)


def send_score(app: Flask, message_id: int, store: LaunchStore) -> str | None:
    """POST one score to the link's line item, creating the line item first when the link has none.

    No transaction is held during the HTTP calls; returns the line item URL when one was created.
    """
    with app_state(app).db.sessions() as session:
        message = session.get(OutboxMessage, message_id)
        link = session.get(LtiResourceLink, message.payload["resource_link_pk"])
        platform = session.get(LtiPlatform, message.platform_id)
        if link is None or platform is None:
            raise ServiceUnavailable("the resource link or platform no longer exists")
        if not (link.lineitem_url or link.lineitems_url) or C.SCOPE_SCORE not in link.ags_scopes:
            raise ServiceUnavailable("the platform did not offer the grade service (AGS) for this link")
        connector = _connector(session, app, platform, store)
        payload, link_id = message.payload, link.resource_link_id
        endpoint = {"scope": link.ags_scopes, "lineitem": link.lineitem_url, "lineitems": link.lineitems_url}
    ags = AssignmentsGradesService(connector, endpoint)
    score = payload["score"]
    grade = (Grade().set_score_given(score["scoreGiven"]).set_score_maximum(score["scoreMaximum"])
             .set_activity_progress(score["activityProgress"]).set_grading_progress(score["gradingProgress"])
             .set_timestamp(score["timestamp"]).set_user_id(score["userId"]))
    if endpoint["lineitem"]:
        ags.put_grade(grade)
        return None
    wanted = (LineItem().set_score_maximum(score["scoreMaximum"]).set_label(payload["label"])
              .set_resource_id(payload["resource_id"]).set_resource_link_id(link_id).set_tag("mirco"))
    lineitem = ags.find_or_create_lineitem(wanted, find_by="resource_link_id")
    ags.put_grade(grade, lineitem)
    return lineitem.get_id()


def _claim_due(app: Flask) -> list[int]:
    """Take due messages for this worker: push their next attempt past a lease, so other workers skip them."""
    now = utcnow()
    with app_state(app).db.transaction() as session:
        query = (select(OutboxMessage).where(OutboxMessage.kind == AGS_SCORE, OutboxMessage.sent_at.is_(None),
                                             OutboxMessage.failed_at.is_(None), OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.id).limit(BATCH))
        if session.connection().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        messages = session.scalars(query).all()
        for message in messages:
            message.next_attempt_at = now + LEASE
        return [m.id for m in messages]


def drain_scores(app: Flask) -> int:
    """Send due AGS scores in order; failures are retried later with backoff. Returns how many were handled."""
    state = app_state(app)
    store = launch_store(app)
    ids = _claim_due(app)
    for message_id in ids:
        error, lineitem_url = None, None
        try:
            lineitem_url = send_score(app, message_id, store)
        except (ServiceUnavailable, LtiException, requests.RequestException, KeyError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            metrics.count_ags_failure(type(exc).__name__)
        with state.db.transaction() as session:
            message = session.get(OutboxMessage, message_id)
            if error is None:
                message.sent_at, message.last_error = utcnow(), None
                if lineitem_url:
                    link = session.get(LtiResourceLink, message.payload["resource_link_pk"])
                    link.lineitem_url = lineitem_url
                continue
            message.attempts += 1
            message.last_error = error
            if message.attempts >= MAX_ATTEMPTS:
                message.failed_at = utcnow()
            else:
                message.next_attempt_at = utcnow() + backoff(message.attempts)
    return len(ids)


def sync_roster(app: Flask, context_pk: int) -> int:
    """Read the context's members from the platform (NRPS) into lti_user/lti_membership; returns the count.

    Members who never launched the tool appear too, so trainers see who has not started.
    """
    state = app_state(app)
    store = launch_store(app)
    with state.db.sessions() as session:
        context = session.get(LtiContext, context_pk)
        if context is None or not context.memberships_url:
            raise ServiceUnavailable("the platform did not offer the roster service (NRPS) for this course")
        platform = session.get(LtiPlatform, context.platform_id)
        platform_pk = platform.id
        nrps = NamesRolesProvisioningService(_connector(session, app, platform, store),
                                             {"context_memberships_url": context.memberships_url})
    try:
        members = nrps.get_members()
    except (LtiException, requests.RequestException, ValueError) as exc:
        raise ServiceUnavailable(f"the platform's roster could not be read: {exc}") from exc
    count = 0
    with state.db.transaction() as session:
        for member in members:
            user_id = member.get("user_id") if isinstance(member, dict) else None
            if not isinstance(user_id, str) or not user_id or len(user_id) > 255:
                continue
            user = get_or_create(session, LtiUser, {"platform_id": platform_pk, "sub": user_id})
            user.name = member.get("name") if isinstance(member.get("name"), str) else user.name
            user.email = member.get("email") if isinstance(member.get("email"), str) else user.email
            roles = [r for r in member.get("roles", []) if isinstance(r, str)]
            membership = get_or_create(session, LtiMembership, {"context_pk": context_pk, "user_pk": user.id},
                                       roles=roles)
            membership.roles = roles
            membership.status = str(member.get("status", "Active"))[:20]
            membership.synced_at = utcnow()
            count += 1
        session.get(LtiContext, context_pk).roster_read_at = utcnow()
    return count
