"""The launch URL that names a lesson or quiz: built by the cartridge export, read back by the tool."""
from __future__ import annotations

import pytest

from courses.launch_url import ContentRef, content_in_launch_url, launch_url

BASE = "https://tool.example.org/mirco"


def test_round_trip_for_a_lesson_a_module_quiz_and_the_final_assessment():
    lesson = launch_url(BASE + "/", "course-1", "m1", lesson="m1-l1")
    assert lesson == BASE + "/lti/launch?course=course-1&module=m1&lesson=m1-l1"
    assert content_in_launch_url(lesson, BASE) == ContentRef("course-1", "m1", "m1-l1")
    assert content_in_launch_url(launch_url(BASE, "course-1", "m1", quiz="q1"), BASE) == ContentRef("course-1", "m1", "q1")
    assert content_in_launch_url(launch_url(BASE, "course-1", quiz="final"), BASE) == ContentRef("course-1", None, "final")
    assert content_in_launch_url(launch_url(BASE, "course-1"), BASE) == ContentRef("course-1")
    assert content_in_launch_url("HTTPS://TOOL.example.org/mirco/lti/launch?course=c", BASE) == ContentRef("c")


@pytest.mark.parametrize("url", [
    None, 42, ["x"], "", "not a url",
    BASE + "/lti/launch",                                               # the tool's plain launch URL names nothing
    "https://evil.example/mirco/lti/launch?course=c&module=m&lesson=l",  # another site
    "http://tool.example.org/mirco/lti/launch?course=c",                # another scheme
    "https://tool.example.org:8443/mirco/lti/launch?course=c",          # another port
    "https://tool.example.org/mirco/lti/launch/../launch?course=c",     # another path
    "https://tool.example.org/lti/launch?course=c",                     # outside the tool's base path
    BASE + "/lti/launch?course=c#frag",
    BASE + "/lti/launch?module=m&lesson=l",                             # no course
    BASE + "/lti/launch?course=c&lesson=l",                             # a lesson without its module
    BASE + "/lti/launch?course=c&module=m&lesson=l&quiz=q",             # two items
    BASE + "/lti/launch?course=c&course=d",                             # repeated
    BASE + "/lti/launch?course=c&evil=1",                               # unknown parameter
    BASE + "/lti/launch?course=",                                       # empty
    BASE + "/lti/launch?course=../../etc/passwd",
    BASE + "/lti/launch?course=%3Cscript%3E",
    BASE + "/lti/launch?course=c%00",
    BASE + "/lti/launch?course=" + "a" * 101,
    BASE + "/lti/launch?course=c&" + "&".join(f"x{i}=1" for i in range(20)),
    BASE + "/lti/launch?" + "course=c;module=m",
    BASE + "/lti/launch?course=c&" + "a" * 5000,
])
def test_foreign_and_malformed_urls_name_nothing(url):
    assert content_in_launch_url(url, BASE) is None
