"""The admin upload page: instructors of a launch import packages; everyone else is refused; bad zips get a
readable list of problems and leave nothing behind."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from lti_tool.identity import load_launch
from lti_tool.lti import claims as C
from lti_tool.lti.records import record_launch
from lti_tool.models import LtiPlatform
from lti_tool.state import app_state
from tests.scorm.factories import scorm12_package
from tests.scorm.test_import import counts, hostile
from tests.lti.support import launch_token

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def make_launch(app, role: str, who: str, custom: dict | None = None, link: str = "L1") -> str:
    with app.test_request_context():
        with app_state().db.transaction() as session:
            platform = session.query(LtiPlatform).first() or LtiPlatform(
                issuer="https://moodle.example.org", client_id="tool", auth_login_url="https://moodle.example.org/a",
                auth_token_url="https://moodle.example.org/t")
            session.add(platform)
            session.flush()
            row = record_launch(session, platform, {
                "sub": who, C.MESSAGE_TYPE: "LtiResourceLinkRequest", C.DEPLOYMENT_ID: "dep-1", C.ROLES: [role],
                C.CONTEXT: {"id": "C1", "title": "Course"}, C.RESOURCE_LINK: {"id": link, "title": "Link"},
                C.CUSTOM: custom or {}})
            launch_id = row.id
        assert load_launch(launch_id) is not None
    return launch_token(app, launch_id)  # what a page's links carry (raw launch ids are refused)


@pytest.fixture
def instructor(app) -> str:
    return make_launch(app, INSTRUCTOR, "teacher-1")


def upload(client, launch: str, data: bytes, name: str = "golf.zip", form_launch: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(f"/admin/packages/?launch={launch}", content_type="multipart/form-data", data={
        "launch": launch if form_launch is None else form_launch, "package": (io.BytesIO(data), name)})


def test_instructor_uploads_a_package(app, client, instructor, tmp_path):
    response = upload(client, instructor, scorm12_package(tmp_path / "p.zip", title="Golf").read_bytes())
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert b"Golf" in page.data and b"scorm12" in page.data and b"golf.zip" in page.data
    assert counts(app) == (1, 3)


@pytest.mark.parametrize("case", ["zip-slip", "xxe", "billion-laughs", "not-a-zip", "symlink"])
def test_hostile_uploads_get_a_readable_refusal(app, client, instructor, tmp_path, case):
    path, _ = hostile(case, tmp_path)
    response = upload(client, instructor, path.read_bytes(), name=f"{case}.zip")
    assert response.status_code == 422
    assert f"{case}.zip was not imported".encode() in response.data
    assert counts(app) == (0, 0)
    store: Path = app.extensions["mirco"].settings.packages_path
    assert [p.name for p in store.iterdir()] == []


def test_learners_and_strangers_are_refused(app, client, tmp_path):
    learner = make_launch(app, LEARNER, "learner-1")
    data = scorm12_package(tmp_path / "p.zip").read_bytes()
    assert upload(client, learner, data).status_code == 403
    assert client.get("/admin/packages/").status_code == 401
    assert client.post("/admin/packages/", data={}).status_code == 401
    assert counts(app) == (0, 0)


def test_a_post_without_the_launch_in_the_form_is_refused(app, client, instructor, tmp_path):
    data = scorm12_package(tmp_path / "p.zip").read_bytes()
    assert upload(client, instructor, data, form_launch="").status_code == 403  # cross-site form post
    assert counts(app) == (0, 0)


def test_missing_file_is_a_400(client, instructor):
    response = client.post(f"/admin/packages/?launch={instructor}", data={"launch": instructor})
    assert response.status_code == 400 and b"Choose a SCORM package" in response.data
