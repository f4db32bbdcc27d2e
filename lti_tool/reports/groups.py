"""Which institution or group a learner belongs to, for the learner table's filter and exports.

From the launch, in this order: the custom parameter `institution` (set by the platform administrator or the
teacher in the activity's custom parameters, as a fixed value or a variable the platform substitutes), then the
LIS claim's `course_section_sourcedid` (the section or group the platform enrols the person
in). Kept on the context membership (`lti_membership.institution`) at each launch; a member the platform only
listed (NRPS) and anyone whose launch names neither falls back to the e-mail domain.

The launch view (lti_tool.lti) validates the id_token and keeps the launch as rows without these claims; this
module reads them from the same request once the view has answered with its redirect (the token was verified a
moment before, in this request), so claim validation stays in one place.
"""
from __future__ import annotations

import base64
import json
import logging
import unicodedata
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Response, request
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.lti import claims as C
from lti_tool.models import LtiLaunch, LtiMembership
from lti_tool.state import app_state

log = logging.getLogger("mirco.reports")
LIS_CLAIM = C.LTI + "lis"
CUSTOM_KEY = "institution"
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
    """The custom parameter `institution`, else the LIS course section; None when the launch names neither."""
    custom = claims.get(C.CUSTOM)
    if isinstance(custom, dict):
        found = clean_label(custom.get(CUSTOM_KEY))
        if found:
            return found
    lis = claims.get(LIS_CLAIM)
    if isinstance(lis, dict):
        return clean_label(lis.get("course_section_sourcedid"))
    return None


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower() or None


def _verified_claims() -> dict:
    """The payload of the id_token the launch view has just verified (this request, answered with a redirect)."""
    token = request.form.get("id_token", "")
    try:
        payload = token.split(".")[1]
        found = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def keep_launch_institution(response: Response) -> Response:
    """After a successful launch (a 303 to the player or the picker naming the new launch), store the
    institution or group the launch names on the member's context membership."""
    if request.endpoint != "lti.launch" or response.status_code != 303 or not response.location:
        return response
    launch_id = (parse_qs(urlsplit(response.location).query).get("launch") or [""])[0]
    label = institution_from_claims(_verified_claims()) if launch_id else None
    if label is None:
        return response
    try:
        with app_state().db.transaction() as session:
            row = session.execute(select(LtiLaunch.context_pk, LtiLaunch.user_pk)
                                  .where(LtiLaunch.id == launch_id)).first()
            if row is not None and row.context_pk is not None:
                session.execute(update(LtiMembership)
                                .where(LtiMembership.context_pk == row.context_pk,
                                       LtiMembership.user_pk == row.user_pk)
                                .values(institution=label))
    except SQLAlchemyError:  # the launch itself succeeded: a report label must not turn it into an error
        log.warning("institution of launch %s not kept", launch_id, exc_info=True)
    return response
