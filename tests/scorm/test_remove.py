"""Removing imported packages: `mirco packages remove ID` and the admin page. Files and catalogue rows go;
learners' attempts only when confirmed; xAPI statements always stay."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from lti_tool.state import app_state
from scorm.models import ScormAttempt, ScormPackage, ScormSco
from tests.scorm.conftest import MircoRunner, items_of
from tests.scorm.factories import scorm12_package
from tests.scorm.test_upload_page import INSTRUCTOR, LEARNER, make_launch
from xapi.service import statements_by_registration


@pytest.fixture
def package(importer, tmp_path) -> str:
    return importer(scorm12_package(tmp_path / "p.zip")).package_id


def rows(app) -> tuple[int, int, int]:
    with app_state(app).db.sessions() as session:
        return tuple(session.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                     for t in (ScormPackage, ScormSco, ScormAttempt))


def played(app, client, package_id: str) -> str:
    """A learner opens the first SCO and commits: returns the attempt's registration."""
    launch = make_launch(app, LEARNER, "learner-1", {"course": f"pkg:{package_id}"})
    opened = client.post(f"/scorm/session/{items_of(app, package_id)['I1']}?launch={launch}").get_json()
    client.post(opened["commitUrl"] + "&terminate=true", content_type="text/plain",
                data=json.dumps({"cmi": {"core": {"lesson_status": "passed", "score": {"raw": "90"}}}}))
    with app_state(app).db.sessions() as session:
        return session.scalars(select(ScormAttempt.registration)).one()


def test_cli_removes_files_and_rows(app, package):
    store = app_state(app).settings.packages_path
    assert (store / package / "one.html").is_file()
    result = MircoRunner(app).invoke(["packages", "remove", package])
    assert result.exit_code == 0, result.output
    assert f"removed {package}" in result.output
    assert rows(app) == (0, 0, 0) and list(store.iterdir()) == []
    assert MircoRunner(app).invoke(["packages", "list"]).output == ""


@pytest.mark.parametrize("bad", ["0" * 32, "../../instance", "..", "x" * 500, ""])
def test_cli_refuses_unknown_or_hostile_ids(app, package, bad):
    result = MircoRunner(app).invoke(["packages", "remove", bad])
    assert result.exit_code == 2 and "no imported package" in result.output
    assert rows(app) == (1, 3, 0)


def test_cli_refuses_while_learners_have_attempts_and_force_keeps_statements(app, client, package):
    registration = played(app, client, package)
    refused = MircoRunner(app).invoke(["packages", "remove", package])
    assert refused.exit_code == 2 and "1 learner(s) have 1 attempt(s)" in refused.output and "--force" in refused.output
    assert rows(app) == (1, 3, 1)
    forced = MircoRunner(app).invoke(["packages", "remove", package, "--force"])
    assert forced.exit_code == 0 and "1 attempt(s)" in forced.output
    assert rows(app) == (0, 0, 0)
    with app_state(app).db.sessions() as session:
        verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements_by_registration(session, registration)]
    assert "passed" in verbs and "terminated" in verbs


def owned_by_platform_of(app, package_id: str, launch: str) -> None:  # type: ignore[no-untyped-def]
    """Make the package the own one of the platform of the launch (a token, as make_launch returns it), as if its
    instructor had uploaded it."""
    from lti_tool.identity import load_launch
    from tests.lti.support import launch_id_of

    with app.test_request_context():
        platform_pk = load_launch(launch_id_of(app, launch)).platform_pk
    with app_state(app).db.transaction() as session:
        row = session.get(ScormPackage, package_id)
        row.owner_platform, row.shared = platform_pk, False


def test_admin_page_removes_and_warns_about_attempts(app, client, package, tmp_path):
    teacher = make_launch(app, INSTRUCTOR, "teacher-1")
    owned_by_platform_of(app, package, teacher)
    page = client.get(f"/admin/packages/?launch={teacher}").data.decode()
    assert f"/admin/packages/{package}/remove" in page
    played(app, client, package)
    warned = client.post(f"/admin/packages/{package}/remove?launch={teacher}", data={"launch": teacher})
    assert warned.status_code == 409
    text = warned.data.decode()
    assert "1 learner(s) have 1 attempt(s)" in text and 'name="confirm" value="yes"' in text
    assert rows(app) == (1, 3, 1)
    done = client.post(f"/admin/packages/{package}/remove?launch={teacher}", data={"launch": teacher, "confirm": "yes"})
    assert done.status_code == 303
    assert "removed" in client.get(done.headers["Location"]).data.decode()
    assert rows(app) == (0, 0, 0)
    assert client.post(f"/admin/packages/{package}/remove?launch={teacher}",
                       data={"launch": teacher}).status_code == 404


def test_admin_removal_needs_an_instructor_and_the_form(app, client, package):
    learner = make_launch(app, LEARNER, "learner-2")
    assert client.post(f"/admin/packages/{package}/remove?launch={learner}", data={"launch": learner}).status_code == 403
    teacher = make_launch(app, INSTRUCTOR, "teacher-1")
    assert client.post(f"/admin/packages/{package}/remove?launch={teacher}", data={}).status_code == 403
    assert client.post(f"/admin/packages/{package}/remove").status_code == 401
    assert rows(app) == (1, 3, 0)


def test_a_failed_commit_keeps_the_files(app, package):
    from contextlib import contextmanager

    from scorm.importer import remove_package
    db = app.extensions["mirco"].db
    store = app_state(app).settings.packages_path

    @contextmanager
    def failing_transaction():  # type: ignore[no-untyped-def]
        with db.transaction() as session:
            yield session
            raise RuntimeError("database went away during commit")

    with pytest.raises(RuntimeError):
        remove_package(package, store, failing_transaction)
    assert rows(app) == (1, 3, 0) and (store / package / "one.html").is_file()
    assert [p.name for p in store.iterdir()] == [package]
