"""`mirco courses export|export-all` and `mirco packages validate`: output, exit codes, no tracebacks."""
from __future__ import annotations

import os
import shutil
import stat
import zipfile

import pytest

from tests.conftest import FIXTURE_COURSES

MINI = str(FIXTURE_COURSES / "mini-course")


@pytest.mark.parametrize("fmt", ["scorm12", "scorm2004", "cmi5", "cc"])
def test_export_writes_the_zip(cli, tmp_path, fmt):
    target = tmp_path / f"{fmt}.zip"
    result = cli.invoke(args=["courses", "export", MINI, "--format", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.output
    with zipfile.ZipFile(target) as archive:
        assert ("cmi5.xml" if fmt == "cmi5" else "imsmanifest.xml") in archive.namelist()


@pytest.mark.parametrize("sequencing, map_info", [(None, False), ("portable", False), ("full", True)])
def test_scorm2004_export_has_global_objectives_only_when_asked(cli, tmp_path, sequencing, map_info):
    target = tmp_path / "p.zip"
    option = ["--sequencing", sequencing] if sequencing else []
    result = cli.invoke(args=["courses", "export", MINI, "--format", "scorm2004", *option, "-o", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        assert (b"imsss:mapInfo" in archive.read("imsmanifest.xml")) is map_info


@pytest.mark.parametrize("option, namespace", [([], b"imsccv1p1/imscp_v1p1"), (["--cc-version", "1.1"], b"imsccv1p1/imscp_v1p1"),
                                               (["--cc-version", "1.3"], b"imsccv1p3/imscp_v1p1")])
def test_cartridge_is_cc11_unless_13_is_asked_for(cli, tmp_path, option, namespace):
    target = tmp_path / "cc.zip"
    result = cli.invoke(args=["courses", "export", MINI, "--format", "cc", *option, "-o", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        assert b'xmlns="http://www.imsglobal.org/xsd/' + namespace + b'"' in archive.read("imsmanifest.xml")[:500]


@pytest.mark.parametrize("args, message", [
    (["--format", "scorm12", "--cc-version", "1.1"], "--cc-version applies to the cc format only"),
    (["--format", "cc", "--cc-version", "2.0"], "'2.0' is not one of '1.1', '1.3'"),
    (["--format", "cc", "--cc-version", "1.1; rm -rf /"], "is not one of"),
])
def test_cc_version_refused_where_it_does_not_apply(cli, tmp_path, args, message):
    result = cli.invoke(args=["courses", "export", MINI, *args, "-o", str(tmp_path / "x.zip")])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.zip").exists()


def test_export_all_writes_cc13_when_asked_and_leaves_other_formats_alone(cli, tmp_path):
    result = cli.invoke(args=["courses", "export-all", MINI, "--format", "cc", "--format", "scorm12",
                              "--cc-version", "1.3", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "mini-course-1.0.0-cc.zip") as archive:
        assert b"imsccv1p3" in archive.read("imsmanifest.xml")[:500]
    assert (tmp_path / "mini-course-1.0.0-scorm12.zip").is_file()


def test_export_all_applies_full_sequencing_to_scorm2004_only(cli, tmp_path):
    result = cli.invoke(args=["courses", "export-all", MINI, "--format", "scorm12", "--format", "scorm2004",
                              "--sequencing", "full", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "mini-course-1.0.0-scorm2004.zip") as archive:
        assert b"imsss:mapInfo" in archive.read("imsmanifest.xml")
    assert (tmp_path / "mini-course-1.0.0-scorm12.zip").is_file()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_exported_zip_gets_the_usual_file_mode(cli, tmp_path, umask, mode):
    """Packages are for sharing (an LMS upload, a web server): not the 0600 of a temporary file."""
    previous = os.umask(umask)
    try:
        single = cli.invoke(args=["courses", "export", MINI, "--format", "scorm12", "-o", str(tmp_path / "p.zip")])
        every = cli.invoke(args=["courses", "export-all", MINI, "--format", "cmi5", "-o", str(tmp_path / "all")])
    finally:
        os.umask(previous)
    assert single.exit_code == 0 and every.exit_code == 0, single.output + every.output
    for target in (tmp_path / "p.zip", *(tmp_path / "all").glob("*.zip")):
        assert stat.S_IMODE(target.stat().st_mode) == mode, target
    assert not list(tmp_path.rglob(".export-*"))


def test_export_uses_the_configured_activity_iris(cli, tmp_path):
    target = tmp_path / "p.zip"
    cli.invoke(args=["courses", "export", MINI, "--format", "cmi5", "--sco-per", "course", "-o", str(target)])
    with zipfile.ZipFile(target) as archive:
        assert b'id="https://mirco.example.org/xapi/activities/mini-course"' in archive.read("cmi5.xml")


@pytest.mark.parametrize("args, message", [
    (["--format", "scorm3"], "Invalid value for '--format'"),
    (["--format", "scorm12", "--lang", "xx"], "has no 'xx' text"),
    (["--format", "scorm12", "--sco-per", "lesson"], "Invalid value for '--sco-per'"),
    (["--format", "scorm12", "--sequencing", "full"], "--sequencing full applies to SCORM 2004 only"),
    (["--format", "scorm2004", "--sequencing", "strict"], "Invalid value for '--sequencing'"),
    ([], "Missing option '--format'"),
])
def test_export_refuses_bad_options_with_exit_2(cli, args, message):
    result = cli.invoke(args=["courses", "export", MINI, *args])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_export_to_an_unwritable_place_is_a_usage_error(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli.invoke(args=["courses", "export", MINI, "--format", "scorm12", "-o", str(blocker / "p.zip")])
    assert result.exit_code == 2 and f"cannot write {blocker / 'p.zip'}" in result.output
    result = cli.invoke(args=["courses", "export-all", MINI, "--format", "cc", "-o", str(blocker / "exports")])
    assert result.exit_code == 2 and f"cannot write to {blocker / 'exports'}" in result.output
    assert "Traceback" not in result.output


def test_export_of_an_invalid_course_lists_located_problems(cli, tmp_path):
    course = tmp_path / "broken"
    shutil.copytree(FIXTURE_COURSES / "mini-course", course)
    (course / "course.yaml").write_text((course / "course.yaml").read_text().replace("eqf_level: 5", "eqf_level: 11"))
    result = cli.invoke(args=["courses", "export", str(course), "--format", "scorm12", "-o", str(tmp_path / "x.zip")])
    assert result.exit_code == 2
    assert "course.yaml:" in result.output and "problem(s)" in result.output
    assert not (tmp_path / "x.zip").exists()


def test_export_of_a_folder_without_course_yaml(cli, tmp_path):
    result = cli.invoke(args=["courses", "export", str(tmp_path), "--format", "scorm12"])
    assert result.exit_code == 2 and "no course.yaml" in result.output


def test_export_all_writes_every_format_with_a_progress_bar(cli, tmp_path):
    result = cli.invoke(args=["courses", "export-all", str(FIXTURE_COURSES), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "mini-course-1.0.0-cc.zip", "mini-course-1.0.0-cmi5.zip", "mini-course-1.0.0-scorm12.zip",
        "mini-course-1.0.0-scorm2004.zip"]
    assert "Exporting" in result.output


def test_export_all_reports_broken_courses_and_exports_the_rest(cli, tmp_path):
    courses = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES / "mini-course", courses / "good")
    shutil.copytree(FIXTURE_COURSES / "mini-course", courses / "bad")
    (courses / "bad" / "course.yaml").write_text("id: [unclosed")
    out = tmp_path / "out"
    result = cli.invoke(args=["courses", "export-all", str(courses), "--format", "scorm12", "-o", str(out)])
    assert result.exit_code == 2
    assert "FAIL" in result.output and "bad" in result.output
    assert [p.name for p in out.iterdir()] == ["mini-course-1.0.0-scorm12.zip"]


def test_packages_validate_ok_and_fail(cli, tmp_path, schemas):
    good = tmp_path / "good.zip"
    cli.invoke(args=["courses", "export", MINI, "--format", "scorm2004", "-o", str(good)])
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    result = cli.invoke(args=["packages", "validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"ok   {good}: scorm2004_4ed, 0 problem(s)" in result.output
    assert f"FAIL {bad}" in result.output and "not a readable zip file" in result.output
    assert f"validated against the scorm2004_4ed schemas in {schemas}" in result.output


def test_packages_validate_on_a_missing_file(cli, tmp_path):
    result = cli.invoke(args=["packages", "validate", str(tmp_path / "nope.zip")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_packages_import_and_list(app, tmp_path):
    from tests.scorm.conftest import MircoRunner
    from tests.scorm.factories import scorm12_package

    runner = MircoRunner(app)
    package = scorm12_package(tmp_path / "golf.zip", title="Golf")
    result = runner.invoke(["packages", "import", str(package)])
    assert result.exit_code == 0, result.output
    assert "'Golf' (scorm12, 3 launchable item(s), 3 files)" in result.output
    listed = runner.invoke(["packages", "list"])
    assert "scorm12" in listed.output and "Golf" in listed.output
    again = runner.invoke(["packages", "import", str(package)])
    assert again.exit_code == 2 and "already imported" in again.output


def test_packages_import_refusal_lists_problems(app, tmp_path):
    from tests.scorm.conftest import MircoRunner
    from tests.scorm.factories import scorm12_package

    result = MircoRunner(app).invoke(["packages", "import", str(scorm12_package(tmp_path / "p.zip",
                                                                                  extra={"../x.html": "x"}))])
    assert result.exit_code == 2
    assert "not imported" in result.output and "'..' would write outside" in result.output
    assert "Traceback" not in result.output
