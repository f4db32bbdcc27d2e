"""Which institution or group a learner belongs to, for the learner table's filter and exports.

From the launch, in this order: the custom parameter `institution` (set by the platform administrator or the
teacher in the activity's custom parameters, as a fixed value or a variable the platform substitutes), then the
LIS claim's `course_section_sourcedid` (the section or group the platform enrols the person in). The launch
keeps it on the context membership (`lti_membership.institution`, see lti_tool.lti.records); a member the
platform only listed (NRPS) and anyone whose launch names neither falls back to the e-mail domain, here.
"""
from __future__ import annotations


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower() or None


def institution_label(named: str | None, email: str | None) -> str | None:
    """What the platform named for the member, else their e-mail domain: the label shown and filtered by."""
    return named or email_domain(email)
