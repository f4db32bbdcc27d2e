"""Images in lessons show in the LTI player: served from the course folder by the media route, nothing else is."""
from __future__ import annotations

import shutil
from pathlib import Path

import lxml.html
import pytest

from lti_tool.state import app_state
from tests.conftest import empty_all_tables
from tests.lti.conftest import build_tool, register
from tests.lti.support import launch_claims, login, sign

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "courses" / "mini-course"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4"/></svg>'


@pytest.fixture
def media_app(database_url: str, tmp_path: Path, jwks_server: str):
    courses = tmp_path / "courses"
    course = courses / "mini-course"
    shutil.copytree(FIXTURE, course)
    (course / "media").mkdir()
    (course / "media" / "route map č.png").write_bytes(PNG)
    (course / "media" / "diagram.svg").write_bytes(SVG)
    lesson = course / "modules" / "01-basics" / "01-definition.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n\n![Map of the route](../../media/route%20map%20č.png)\n"
                      "\n![A diagram](../../media/diagram.svg)\n", encoding="utf-8")
    app = build_tool(database_url, tmp_path / "instance", 5000, courses_dirs=(courses,))
    register(app, "https://platform.example", "client-1", "dep-1", jwks_server + "/jwks")
    yield app
    app_state(app).db.dispose()
    empty_all_tables(database_url)


def test_lesson_images_are_served_to_the_player(media_app) -> None:
    client = media_app.test_client()
    answer = login(client, "https://platform.example", "client-1")
    launch = client.post("/lti/launch", data={"id_token": sign(launch_claims(
        "https://platform.example", "client-1", answer.nonce)), "state": answer.state})
    assert launch.status_code == 303
    page = client.get("/play/lesson/m1-basics/m1-l1-definition")
    assert page.status_code == 200
    sources = lxml.html.fromstring(page.get_data(as_text=True)).xpath("//article//img/@src")
    assert sources == ["/play/media/mini-course/media/route%20map%20%C4%8D.png",
                       "/play/media/mini-course/media/diagram.svg"]
    anonymous = media_app.test_client()  # an image request from the platform's iframe may carry no cookie
    with anonymous.get(sources[0]) as image:
        assert image.status_code == 200 and image.data == PNG and image.mimetype == "image/png"
    with anonymous.get(sources[1]) as svg:
        assert svg.mimetype == "image/svg+xml" and "sandbox" in svg.headers["Content-Security-Policy"]
        assert "default-src 'none'" in svg.headers["Content-Security-Policy"]  # its script never runs


@pytest.mark.parametrize("path", [
    "modules/01-basics/quiz.yaml",               # answers are not media
    "course.yaml",
    "modules/01-basics/01-definition.md",
    "../../../../etc/passwd.png",                # out of the course folder
    "%2e%2e/%2e%2e/instance/keys/x.png",
    "media/missing.png",
])
def test_only_the_courses_images_are_served(media_app, path: str) -> None:
    with media_app.test_client().get(f"/play/media/mini-course/{path}") as response:
        assert response.status_code == 404


def test_unknown_course_is_404(media_app) -> None:
    assert media_app.test_client().get("/play/media/<script>/media/diagram.svg").status_code == 404
