"""LTI role URIs -> instructor or learner: context roles win over institution roles (Canvas sends both)."""
from __future__ import annotations

import pytest

from lti_tool.lti.roles import role_flags

V = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize("roles, instructor, learner", [
    ([V + "membership#Learner"], False, True),
    ([V + "membership#Instructor"], True, False),
    ([V + "membership/Instructor#TeachingAssistant"], True, False),
    ([V + "membership#ContentDeveloper"], True, False),
    ([V + "membership#Administrator"], True, False),
    ([V + "institution/person#Administrator"], True, False),
    ([V + "system/person#Administrator"], True, False),
    ([V + "institution/person#Instructor", V + "membership#Learner"], False, True),
    ([V + "institution/person#Student"], False, True),
    (["Learner"], False, True), (["Instructor"], True, False),
    ([], False, False), (["http://example.org/made-up"], False, False), ([42, None], False, False),
])
def test_role_flags(roles, instructor, learner):
    flags = role_flags(roles)
    assert (flags.is_instructor, flags.is_learner) == (instructor, learner)
