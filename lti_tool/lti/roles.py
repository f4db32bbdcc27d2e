"""LTI role URIs -> what the tool lets a person do. Context roles win over institution roles (pylti1p3's rule:
Canvas sends institution roles even where the person is only a student in this course)."""
from __future__ import annotations

from dataclasses import dataclass

from pylti1p3.roles import AbstractRole, DesignerRole, StaffRole, StudentRole, TeacherRole, TeachingAssistantRole

ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"


class InstitutionAdministratorRole(AbstractRole):
    """Moodle's site administrators carry institution/person#Administrator; pylti1p3's StaffRole omits it."""

    _institution_roles = ("Administrator",)


@dataclass(frozen=True)
class RoleFlags:
    is_instructor: bool
    is_learner: bool


def role_flags(roles: list[str]) -> RoleFlags:
    body = {ROLES_CLAIM: [r for r in roles if isinstance(r, str)]}
    instructor = any(cls(body).check() for cls in (TeacherRole, TeachingAssistantRole, DesignerRole, StaffRole,
                                                  InstitutionAdministratorRole))
    return RoleFlags(is_instructor=instructor, is_learner=not instructor and StudentRole(body).check())
