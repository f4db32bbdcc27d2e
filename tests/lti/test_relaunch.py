"""Which platform page starts a fresh launch (lti_tool.lti.relaunch): Moodle's activity launch page from its JSON
hint, nothing for hostile or foreign hints."""
from __future__ import annotations

import json

import pytest

from lti_tool.lti.relaunch import platform_relaunch_url, platform_site_url

MOODLE = "https://moodle.example/school/mod/lti/auth.php"


@pytest.mark.parametrize("cmid", [42, "42"])
def test_moodle_hint_gives_the_activity_launch_page(cmid):
    hint = json.dumps({"cmid": cmid, "launchid": "ltilaunch3_77"})
    assert platform_relaunch_url(MOODLE, hint) == "https://moodle.example/school/mod/lti/launch.php?id=42"


@pytest.mark.parametrize("hint", [
    None, "", "resource:learner-1:link-1", "[]", "{}", '{"launchid": "ltilaunch_x"}', '{"cmid": 0}',
    '{"cmid": -1}', '{"cmid": true}', '{"cmid": 1.5}', '{"cmid": "1e3"}', '{"cmid": "\\u0663"}',
    '{"cmid": "42/../../admin"}', '{"cmid": "42&id=1"}', json.dumps({"cmid": 10 ** 30}), '{"cmid": {"a": 1}}',
    "x" * 5000])
def test_hostile_or_foreign_hints_give_nothing(hint):
    assert platform_relaunch_url(MOODLE, hint) is None


@pytest.mark.parametrize("auth_url, expected", [
    ("https://lms.example/authorize", None), ("javascript:alert(1)//mod/lti/auth.php", None),
    ("https://lms.example/mod/lti/auth.php?x=1", "https://lms.example/mod/lti/launch.php?id=42")])
def test_only_moodle_auth_urls_give_a_launch_page(auth_url, expected):
    assert platform_relaunch_url(auth_url, '{"cmid": 42}') == expected


def test_platform_site():
    assert platform_site_url(MOODLE) == "https://moodle.example/school/"
    assert platform_site_url("https://lms.example/oidc/auth?x=1") == "https://lms.example/"
    assert platform_site_url("javascript:alert(1)") is None
