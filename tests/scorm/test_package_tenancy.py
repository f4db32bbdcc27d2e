"""Imported packages belong to the platform that imported them: over HTTP, with two registered platforms, an
instructor of platform B neither lists, deep-links, launches nor removes platform A's packages; an administrator
shares a package (`mirco packages share`), and packages older than owners are shared with every platform."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from lti_tool.identity import load_launch
from lti_tool.lti import claims as C
from lti_tool.lti.records import record_launch
from lti_tool.migrate import upgrade
from lti_tool.models import LtiPlatform
from lti_tool.state import app_state
from scorm.models import ScormPackage
from tests.lti.support import launch_id_of, launch_token
from tests.ops.test_migrations import empty_engine  # noqa: F401 - a database without tables
from tests.scorm.conftest import MircoRunner, items_of
from tests.scorm.factories import scorm12_package
from tests.scorm.test_upload_page import INSTRUCTOR, LEARNER

A, B = "https://moodle-a.example.org", "https://moodle-b.example.org"


def launch_on(app, issuer: str, role: str, who: str, *, custom: dict | None = None, link: str | None = "L1",
              deep_linking: bool = False) -> str:  # type: ignore[no-untyped-def]
    """A launch of `who` on the platform `issuer` (registered on first use), as lti.records stores it; returned as
    the `launch` token a page without the session cookie carries."""
    with app.test_request_context():
        with app_state().db.transaction() as session:
            platform = session.scalar(select(LtiPlatform).where(LtiPlatform.issuer == issuer))
            if platform is None:
                platform = LtiPlatform(issuer=issuer, client_id="tool", auth_login_url=f"{issuer}/auth",
                                       auth_token_url=f"{issuer}/token")
                session.add(platform)
                session.flush()
            claims = {"sub": who, C.DEPLOYMENT_ID: "dep-1", C.ROLES: [role], C.CONTEXT: {"id": "C1", "title": "Course"},
                      C.MESSAGE_TYPE: "LtiDeepLinkingRequest" if deep_linking else "LtiResourceLinkRequest",
                      C.CUSTOM: custom or {}}
            if deep_linking:
                claims[C.DEEP_LINKING_SETTINGS] = {"deep_link_return_url": f"{issuer}/return", "accept_multiple": True}
            elif link:
                claims[C.RESOURCE_LINK] = {"id": link, "title": "Link"}
            launch_id = record_launch(session, platform, claims).id
        assert load_launch(launch_id) is not None
    return launch_token(app, launch_id)


def platform_pk(app, issuer: str) -> int:  # type: ignore[no-untyped-def]
    with app_state(app).db.sessions() as session:
        return session.scalar(select(LtiPlatform.id).where(LtiPlatform.issuer == issuer))


def upload(client, launch: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(f"/admin/packages/?launch={launch}", content_type="multipart/form-data",
                       data={"launch": launch, "package": (io.BytesIO(data), "golf.zip")})


@pytest.fixture
def two_platforms(app, client, tmp_path):  # type: ignore[no-untyped-def]
    """Teacher A uploads a package on platform A; teacher B has a launch on platform B. (package id, a, b)."""
    teacher_a = launch_on(app, A, INSTRUCTOR, "teacher-a")
    teacher_b = launch_on(app, B, INSTRUCTOR, "teacher-b")
    uploaded = upload(client, teacher_a, scorm12_package(tmp_path / "a.zip", title="Golf A").read_bytes())
    assert uploaded.status_code == 303
    with app_state(app).db.sessions() as session:
        package_id = session.scalars(select(ScormPackage.id)).one()
    return package_id, teacher_a, teacher_b


def test_the_importing_platform_owns_the_package(app, two_platforms):
    package_id, teacher_a, _ = two_platforms
    with app_state(app).db.sessions() as session:
        package = session.get(ScormPackage, package_id)
        assert (package.owner_platform, package.shared) == (platform_pk(app, A), False)
        assert package.owner_context == load_launch_context(app, teacher_a)


def load_launch_context(app, launch: str) -> int:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        return load_launch(launch_id_of(app, launch)).context_pk


def test_another_platform_neither_lists_nor_removes_it(app, client, two_platforms):
    package_id, teacher_a, teacher_b = two_platforms
    mine = client.get(f"/admin/packages/?launch={teacher_a}").data.decode()
    assert "Golf A" in mine and f"/admin/packages/{package_id}/remove" in mine
    theirs = client.get(f"/admin/packages/?launch={teacher_b}").data.decode()
    assert "Golf A" not in theirs and package_id not in theirs
    refused = client.post(f"/admin/packages/{package_id}/remove?launch={teacher_b}",
                          data={"launch": teacher_b, "confirm": "yes"})
    assert refused.status_code == 404
    with app_state(app).db.sessions() as session:
        assert session.get(ScormPackage, package_id) is not None
    assert (app_state(app).settings.packages_path / package_id / "one.html").is_file()


def test_another_platform_cannot_deep_link_or_launch_it(app, client, two_platforms):
    package_id, _, _ = two_platforms
    picker_a = launch_on(app, A, INSTRUCTOR, "teacher-a", deep_linking=True)
    picker_b = launch_on(app, B, INSTRUCTOR, "teacher-b", deep_linking=True)
    assert f"pkg:{package_id}" in client.get(f"/lti/deep-link/?launch={picker_a}").data.decode()
    assert f"pkg:{package_id}" not in client.get(f"/lti/deep-link/?launch={picker_b}").data.decode()
    picked = client.post(f"/lti/deep-link/?launch={picker_b}", data={"launch": picker_b, "item": f"pkg:{package_id}"})
    assert picked.status_code == 400
    # a link on platform B whose custom parameter names A's package (typed in by hand) opens nothing
    learner_b = launch_on(app, B, LEARNER, "learner-b", custom={"course": f"pkg:{package_id}"}, link="LB")
    assert client.get(f"/scorm/play?launch={learner_b}").status_code == 404
    sco = items_of(app, package_id)["I1"]
    assert client.post(f"/scorm/session/{sco}?launch={learner_b}").status_code == 404
    learner_a = launch_on(app, A, LEARNER, "learner-a", custom={"course": f"pkg:{package_id}"}, link="LA")
    assert client.get(f"/scorm/play?launch={learner_a}").status_code == 200
    assert client.post(f"/scorm/session/{sco}?launch={learner_a}").status_code == 200


def test_the_same_zip_on_two_platforms_is_two_packages(app, client, two_platforms, tmp_path):
    package_id, teacher_a, teacher_b = two_platforms
    data = scorm12_package(tmp_path / "a.zip", title="Golf A").read_bytes()
    again = upload(client, teacher_a, data)
    assert again.status_code == 422 and f"already imported as package {package_id}" in again.data.decode()
    assert upload(client, teacher_b, data).status_code == 303  # never told about A's copy
    with app_state(app).db.sessions() as session:
        owners = sorted(session.scalars(select(ScormPackage.owner_platform)))
    assert owners == sorted([platform_pk(app, A), platform_pk(app, B)])


def test_an_administrator_shares_and_takes_back(app, client, two_platforms):
    package_id, _, teacher_b = two_platforms
    cli = MircoRunner(app)
    b = platform_pk(app, B)
    shared = cli.invoke(["packages", "share", package_id, "--platform", str(b)])
    assert shared.exit_code == 0 and f"shared with platform(s) {b}" in shared.output
    page = client.get(f"/admin/packages/?launch={teacher_b}").data.decode()
    assert "Golf A" in page and f"/admin/packages/{package_id}/remove" not in page  # listed, not removable
    assert client.post(f"/admin/packages/{package_id}/remove?launch={teacher_b}",
                       data={"launch": teacher_b}).status_code == 403
    learner_b = launch_on(app, B, LEARNER, "learner-b", custom={"course": f"pkg:{package_id}"}, link="LB")
    assert client.get(f"/scorm/play?launch={learner_b}").status_code == 200
    assert cli.invoke(["packages", "share", package_id, "--platform", str(b), "--revoke"]).exit_code == 0
    assert client.get(f"/scorm/play?launch={learner_b}").status_code == 404
    everyone = cli.invoke(["packages", "share", package_id, "--all"])
    assert everyone.exit_code == 0 and "shared with all" in everyone.output
    assert client.get(f"/scorm/play?launch={learner_b}").status_code == 200
    assert "shared with all" in cli.invoke(["packages", "list"]).output


@pytest.mark.parametrize("args, message", [
    (["0" * 32, "--all"], "no imported package"),
    (["{pkg}", "--platform", "999"], "no registered platform 999"),
    (["{pkg}"], "give either --platform ID or --all"),
    (["{pkg}", "--all", "--platform", "1"], "give either --platform ID or --all"),
    (["{pkg}", "--platform", "x"], "is not a valid integer"),
    (["../../" + "x" * 500, "--all"], "no imported package"),
])
def test_share_refuses_bad_input(app, two_platforms, args, message):
    package_id = two_platforms[0]
    result = MircoRunner(app).invoke(["packages", "share", *[a.replace("{pkg}", package_id) for a in args]])
    assert result.exit_code == 2 and message in result.output
    with app_state(app).db.sessions() as session:
        assert session.get(ScormPackage, package_id).shared is False


def test_cli_imports_for_one_platform_or_for_all(app, two_platforms, tmp_path):
    cli = MircoRunner(app)
    b = platform_pk(app, B)
    own = cli.invoke(["packages", "import", str(scorm12_package(tmp_path / "b.zip", title="B's", ident="b")),
                      "--platform", str(b)])
    assert own.exit_code == 0 and f"owner: platform {b}" in own.output
    assert cli.invoke(["packages", "import", str(tmp_path / "b.zip"), "--platform", "999"]).exit_code == 2
    everyone = cli.invoke(["packages", "import", str(scorm12_package(tmp_path / "c.zip", title="All", ident="c"))])
    assert everyone.exit_code == 0 and "shared with every platform" in everyone.output


def test_packages_imported_before_owners_stay_usable_everywhere(empty_engine):  # noqa: F811
    """scorm_0004: a package without a recorded importer becomes an administrator's package shared with all."""
    upgrade(empty_engine, "scorm_0003")
    with empty_engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO scorm_package (id, kind, identifier, title, description, language, version, "
            "default_organization, organizations, source_name, sha256, file_count, byte_size, schema_note, "
            "imported_at) VALUES ('" + "a" * 32 + "', 'scorm12', 'P', 'Old', '', '', '', 'O', '{}', 'old.zip', '"
            + "b" * 64 + "', 1, 1, '', CURRENT_TIMESTAMP)")
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        row = connection.execute(select(ScormPackage.__table__)).one()
    assert (row.owner_platform, row.owner_context, row.shared) == (None, None, True)
