"""Which institution or group a learner belongs to, for the learner table, its filter and exports.

From the launch, in this order: the custom parameter `institution` (set by the platform administrator or the
teacher in the activity's custom parameters, as a fixed value or a variable the platform substitutes), then the
LIS claim's `course_section_sourcedid` (the section or group the platform enrols the person in). The launch
keeps it on the context membership (`lti_membership.institution`, see lti_tool.lti.records); a member the
platform only listed (NRPS) and anyone whose launch names neither falls back to the e-mail domain, here.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import case, func

from lti_tool.models import LtiMembership, LtiUser


def institution_label() -> Any:
    """The label shown, exported and filtered by, as one SQL expression over a query that joins the member's
    `lti_membership` and `lti_user` rows: what the platform named, else the lower-cased e-mail domain.

    The domain is what follows the address's last `@`, found the same way on SQLite and PostgreSQL: rtrim by
    every character of the address but `@` leaves the address up to that `@`.
    """
    email = LtiUser.email
    up_to_at = func.rtrim(email, func.replace(email, "@", ""))
    domain = func.nullif(func.lower(func.trim(func.substr(email, func.length(up_to_at) + 1))), "")
    return func.coalesce(LtiMembership.institution, case((email.like("%@%"), domain), else_=None))
