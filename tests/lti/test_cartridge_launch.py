"""A cartridge's launch URL alone opens its lesson or quiz: the test platform launches every LTI link of each
sample curriculum's cartridge with that URL as target_link_uri and NO custom parameters (what Moodle keeps
after its Common Cartridge import), for a learner and a teacher; foreign and unknown targets get clear pages."""
from __future__ import annotations

import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from courses.catalogue import course_folders
from courses.loader import load_course
from lti_tool.state import app_state
from scorm import namespaces as ns
from scorm.export import default_name, export_course
from tests.conftest import ROOT, empty_all_tables
from tests.lti.conftest import Tool, build_tool
from tests.lti.support import Server, launch_claims, login, sign
from tests.lti.test_flow import launch_as
from tests.lti.test_hostile_launch import post_launch
from tests.servers import free_port

SAMPLES = ROOT / "sample_courses"
ISS = "https://platform.example"


@pytest.fixture
def tool(database_url: str, tmp_path: Path):
    """The tool on a real port with the three sample curricula in its catalogue (the `platform` fixture of
    tests/lti/conftest.py registers itself with this tool)."""
    port = free_port()
    app = build_tool(database_url, tmp_path / "instance", port, courses_dirs=(SAMPLES,))
    server = Server(app, port)
    yield Tool(app, server.url)
    server.close()
    app_state(app).db.dispose()
    empty_all_tables(database_url)


def cartridge_links(course, base_url: str, folder: Path) -> list[tuple[str, str, str]]:
    """(title, launch URL, expected player path) of every LTI link in the course's CC 1.1 cartridge zip."""
    target = folder / default_name(course, "cc")
    export_course(course, "cc", target, iri_base="https://x.example/xapi", base_url=base_url)
    with zipfile.ZipFile(target) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = etree.fromstring(files["imsmanifest.xml"])
    found = []
    for resource in manifest.iter(f"{{{ns.CC11}}}resource"):
        if resource.get("type") != "imsbasiclti_xmlv1p0":
            continue
        link = etree.fromstring(files[resource.find(f"{{{ns.CC11}}}file").get("href")])
        assert link.find(f"{{{ns.BLTI}}}custom") is None
        found.append((link.findtext(f"{{{ns.BLTI}}}title"), link.findtext(f"{{{ns.BLTI}}}launch_url")))
    expected = []  # the cartridge's order: each module's lessons then its quiz, the final assessment last
    for module in course.modules:
        expected += [(lesson.title.get(), f"/play/lesson/{module.id}/{lesson.id}") for lesson in module.lessons]
        expected += [(module.quiz.title.get(), f"/play/quiz/{module.quiz.id}")] if module.quiz else []
    final = course.final_assessment
    expected += [(final.title.get(), f"/play/quiz/{final.id}")] if final else []
    assert [title for title, _ in found] == [title for title, _ in expected]
    return [(title, url, path) for (title, url), (_, path) in zip(found, expected)]


def open_link(platform, user: str, key: str, title: str, url: str):  # type: ignore[no-untyped-def]
    platform.state.links[key] = {"title": title, "custom": {}, "lineitem": None, "url": url}
    return launch_as(platform, user, key)


def test_every_cartridge_link_opens_its_lesson_or_quiz_for_a_learner_and_a_teacher(tool, platform, tmp_path):
    courses = [load_course(folder) for folder in course_folders([SAMPLES])]
    assert len(courses) == 3
    for course in courses:
        links = cartridge_links(course, tool.url, tmp_path)
        assert len(links) == 21
        for n, (title, url, path) in enumerate(links):
            for user in ("learner-1", "teacher-1") if n in (0, len(links) - 2, len(links) - 1) else ("learner-1",):
                _, page = open_link(platform, user, f"{course.id}-{n}", title, url)
                assert page.status_code == 200, (course.id, url, page.status_code, page.text[:300])
                assert urlsplit(page.url).path == path, (url, page.url)
                assert title in page.text


def test_a_target_of_another_site_is_refused_at_login(tool, platform):
    _, page = open_link(platform, "learner-1", "evil", "Evil",
                        "https://evil.example/lti/launch?course=migration-gender&module=m1-foundations&quiz=m1-quiz")
    assert page.status_code == 400 and "does not belong to this tool" in page.text


@pytest.mark.parametrize("query, status, words", [
    ("course=no-such-course", 200, "has not chosen the content of this activity yet"),
    ("course=migration-gender&module=no-such-module&quiz=m1-quiz", 404, "'no-such-module' is not in course"),
    ("course=migration-gender&module=m1-foundations&lesson=no-such-lesson", 404, "'no-such-lesson' is not part of"),
    ("course=migration-gender&quiz=no-such-quiz", 404, "'no-such-quiz' is not part of"),
    ("course=%3Cscript%3Ealert(1)%3C/script%3E", 200, "has not chosen the content of this activity yet"),
    ("course=migration-gender&course=migration-governance", 200, "has not chosen the content of this activity yet"),
    ("course=migration-gender&module=m1-foundations&lesson=" + "x" * 3000, 200, "has not chosen the content of this activity yet"),
])
def test_unknown_or_hostile_content_in_the_target_gets_a_clear_page(tool, platform, query, status, words):
    """Ids the catalogue lacks get a page naming them; a target naming no usable course links nothing, so the
    learner reads that the teacher has not chosen content yet (the teacher gets the content picker)."""
    _, page = open_link(platform, "learner-1", "odd", "Odd", f"{tool.url}/lti/launch?{query}")
    assert page.status_code == status, page.text[:500]
    assert "<h1>" in page.text and "Traceback" not in page.text and "<script>alert" not in page.text
    assert words in page.text.replace("&#39;", "'"), page.text[:3000]


def test_custom_parameters_still_win_over_the_target(tool_app):
    """A deep-linked activity (custom parameters) keeps its content whatever the target names."""
    client = tool_app.test_client()
    target = "http://127.0.0.1:5000/lti/launch?course=nowhere"
    answer = login(client, ISS, "client-1", target_link_uri=target)
    response = post_launch(client, sign(launch_claims(ISS, "client-1", answer.nonce, lti_target_link_uri=target)),
                           answer.state)
    assert response.status_code == 303
    page = client.get(response.location)
    assert page.status_code == 200 and "Refugee protection essentials" in page.get_data(as_text=True)


def test_a_foreign_target_without_a_login_target_links_nothing(tool_app):
    """When the login named no target, the id_token's target is not compared with it: a foreign one must still
    not link content (its ids are ignored) and the learner reads the unlinked page."""
    client = tool_app.test_client()
    answer = login(client, ISS, "client-1", target_link_uri="")
    target = "https://evil.example/lti/launch?course=mini-course&module=m1-basics&lesson=m1-l1-definition"
    claims = launch_claims(ISS, "client-1", answer.nonce, lti_target_link_uri=target, lti_custom=None)
    response = post_launch(client, sign(claims), answer.state)
    assert response.status_code == 303
    page = client.get(response.location)
    assert page.status_code == 200 and "has not chosen the content of this activity yet" in page.get_data(as_text=True)
    good = tool_app.test_client()
    answer = login(good, ISS, "client-1", target_link_uri="")
    target = "http://127.0.0.1:5000/lti/launch?course=mini-course&module=m1-basics&lesson=m1-l2-non-refoulement"
    claims = launch_claims(ISS, "client-1", answer.nonce, lti_target_link_uri=target, lti_custom=None,
                           lti_resource_link={"id": "link-2", "title": "Cartridge link"})
    response = post_launch(good, sign(claims), answer.state)
    page = good.get(response.location)
    assert page.status_code == 302 and page.location.startswith("/play/lesson/m1-basics/m1-l2-non-refoulement")
