"""The Common Cartridge as Moodle's converter (backup/cc/cc2moodle.php, entity11.lti.class.php) reads it: CC 1.1
detected, one section per module, every lesson and quiz an LTI link whose launch URL alone names it."""
from __future__ import annotations

import re

import pytest
from lxml import etree

from courses.launch_url import ContentRef, content_in_launch_url
from scorm import namespaces as ns
from scorm.export import ExportError, package_files
from scorm.validate import validate_package
from tests.scorm.factories import BASE_URL, IRI_BASE, export_files, make_zip
from tests.scorm.test_validate import sample_courses

MOODLE_CC11_MARK = "xmlns=http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"


def moodle_detects_cc11(manifest: bytes) -> bool:
    """backup/converter/imscc11/lib.php detect_format(): the first 500 bytes, lower-cased, without white space
    and quotes, must declare the CC 1.1 namespace as the default one."""
    snippet = re.sub(r"\s*", "", manifest[:500].decode("utf-8", "replace").lower()).replace("'", "").replace('"', "")
    return MOODLE_CC11_MARK in snippet


def moodle_sections(manifest: etree._Element, space: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """cc2moodle::create_instances(): organization/item is level 1, its children (level 2 = ROOT_DEEP) become
    the sections, their children the activities: (section title, [(activity title, resource type)])."""
    q = lambda tag: f"{{{space}}}{tag}"  # noqa: E731
    types = {r.get("identifier"): r.get("type") for r in manifest.iter(q("resource"))}
    root_items = manifest.findall(f"{q('organizations')}/{q('organization')}/{q('item')}")
    assert len(root_items) == 1
    return [(section.findtext(q("title")), [(child.findtext(q("title")), types[child.get("identifierref")])
                                            for child in section.findall(q("item"))])
            for section in root_items[0].findall(q("item"))]


def links(files: dict[str, bytes], space: str) -> dict[str, etree._Element]:
    manifest = etree.fromstring(files["imsmanifest.xml"])
    return {r.get("identifier"): etree.fromstring(files[r.find(f"{{{space}}}file").get("href")])
            for r in manifest.iter(f"{{{space}}}resource") if r.get("type").startswith("imsbasiclti")}


def test_default_cartridge_is_cc11_which_moodle_recognises(mini_course):
    files = export_files(mini_course, "cc")
    assert moodle_detects_cc11(files["imsmanifest.xml"])
    manifest = etree.fromstring(files["imsmanifest.xml"])
    assert manifest.tag == f"{{{ns.CC11}}}manifest"
    assert manifest.findtext(f"{{{ns.CC11}}}metadata/{{{ns.CC11}}}schemaversion") == "1.1.0"
    assert {r.get("type") for r in manifest.iter(f"{{{ns.CC11}}}resource")} == {"imsbasiclti_xmlv1p0", "imswl_xmlv1p1"}
    assert all(link.tag == f"{{{ns.CC11_LTI}}}cartridge_basiclti_link" for link in links(files, ns.CC11).values())


def test_cc13_behind_the_option(mini_course):
    files = package_files(mini_course, "cc", iri_base=IRI_BASE, base_url=BASE_URL, cc_version="1.3")
    assert not moodle_detects_cc11(files["imsmanifest.xml"])
    manifest = etree.fromstring(files["imsmanifest.xml"])
    assert manifest.findtext(f"{{{ns.CC13}}}metadata/{{{ns.CC13}}}schemaversion") == "1.3.0"
    assert {r.get("type") for r in manifest.iter(f"{{{ns.CC13}}}resource")} == {"imsbasiclti_xmlv1p3", "imswl_xmlv1p3"}
    assert all(link.tag == f"{{{ns.CC13_LTI}}}cartridge_basiclti_link" for link in links(files, ns.CC13).values())
    for bad, message in (("1.2", "--cc-version must be one of 1.1, 1.3"), ("", "must be one of")):
        with pytest.raises(ExportError, match=message):
            package_files(mini_course, "cc", iri_base=IRI_BASE, base_url=BASE_URL, cc_version=bad)
    with pytest.raises(ExportError, match="applies to the cc format only"):
        package_files(mini_course, "scorm12", iri_base=IRI_BASE, base_url=BASE_URL, cc_version="1.1")


@pytest.mark.parametrize("version, space", [("1.1", ns.CC11), ("1.3", ns.CC13)])
def test_one_section_per_module_then_the_final_assessment_and_the_e_library(mini_course, version, space):
    files = package_files(mini_course, "cc", iri_base=IRI_BASE, base_url=BASE_URL, cc_version=version)
    sections = moodle_sections(etree.fromstring(files["imsmanifest.xml"]), space)
    lti, web = f"imsbasiclti_xmlv1p{0 if version == '1.1' else 3}", f"imswl_xmlv1p{version[-1]}"
    module = mini_course.modules[0]
    assert [title for title, _ in sections] == [module.title.get("en"), mini_course.final_assessment.title.get("en"),
                                                "E-library"]
    assert sections[0][1] == [(lesson.title.get("en"), lti) for lesson in module.lessons] + \
        [(module.quiz.title.get("en"), lti)]
    assert sections[1][1] == [(mini_course.final_assessment.title.get("en"), lti)]
    assert sections[2][1] == [(r.title.get("en"), web) for r in mini_course.library]


def test_every_link_names_its_lesson_or_quiz_in_its_launch_url_and_quizzes_are_graded(mini_course):
    files = export_files(mini_course, "cc")
    module = mini_course.modules[0]
    expected = {"R-m1-l1": ContentRef(mini_course.id, module.id, module.lessons[0].id),
                "R-m1-l2": ContentRef(mini_course.id, module.id, module.lessons[1].id),
                "R-m1-quiz": ContentRef(mini_course.id, module.id, module.quiz.id),
                "R-final": ContentRef(mini_course.id, None, mini_course.final_assessment.id)}
    found = links(files, ns.CC11)
    assert set(found) == set(expected)
    for key, link in found.items():
        url = link.findtext(f"{{{ns.BLTI}}}launch_url")
        assert content_in_launch_url(url, BASE_URL) == expected[key]
        assert link.findtext(f"{{{ns.BLTI}}}secure_launch_url") == url  # the tool runs on https here
        assert link.find(f"{{{ns.BLTI}}}custom") is None  # Moodle drops them: the URL alone must do
        graded = {p.get("name"): p.text for p in link.iter(f"{{{ns.LTICM}}}property")}
        assert graded == ({"graded": "true", "score_maximum": "100"} if "quiz" in key or key == "R-final" else {})
    weblink = etree.fromstring(files["weblinks/lib1.xml"])
    assert weblink.find(f"{{{ns.CC11_WL}}}url").get("href") == \
        f"{BASE_URL}/library/{mini_course.id}/{mini_course.library[0].id}"


def test_the_e_library_title_follows_the_package_language(mini_course):
    for lang, title in (("sr-Latn", "E-biblioteka"), ("sr-Cyrl", "Е-библиотека")):
        files = export_files(mini_course, "cc", lang=lang)
        assert moodle_sections(etree.fromstring(files["imsmanifest.xml"]), ns.CC11)[-1][0] == title


def test_ids_with_any_allowed_characters_make_unique_xml_ids():
    """Item and resource identifiers are positions, so author ids such as `a.b`/`a--b` never collide or break
    xs:ID; checked on every sample curriculum."""
    for course in sample_courses():
        manifest = etree.fromstring(export_files(course, "cc")["imsmanifest.xml"])
        ids = [e.get("identifier") for e in manifest.iter() if e.get("identifier")]
        assert len(ids) == len(set(ids)) and all(re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*$", i) for i in ids)


def test_cartridges_of_the_sample_curricula_validate_against_the_cc11_schemas(cc11_schemas, tmp_path):
    courses = sample_courses()
    assert len(courses) == 3
    for course in courses:
        files = export_files(course, "cc")
        path = make_zip(tmp_path / f"{course.id}.zip", files)
        report = validate_package(path, cc11_schemas)
        assert report.kind == "cc11" and report.schema_checked, report.schema_note
        assert report.ok, (course.id, [str(p) for p in report.all_problems])
        lti_links = links(files, ns.CC11)
        assert len(lti_links) == sum(len(m.lessons) + bool(m.quiz) for m in course.modules) + 1 == 21


def test_a_broken_link_file_or_a_dangling_item_is_reported(mini_course, cc11_schemas, tmp_path):
    files = export_files(mini_course, "cc")
    broken = dict(files)
    broken["lti/m1-l1.xml"] = files["lti/m1-l1.xml"].replace(b"<blti:title>", b"<blti:nonsense/><blti:title>")
    report = validate_package(make_zip(tmp_path / "broken.zip", broken), cc11_schemas)
    assert not report.ok and any(p.file == "lti/m1-l1.xml" and "nonsense" in p.message for p in report.schema_errors)
    dangling = dict(files)
    dangling["imsmanifest.xml"] = files["imsmanifest.xml"].replace(b'identifierref="R-m1-l1"', b'identifierref="R-gone"')
    del dangling["lti/m1-l1.xml"]
    report = validate_package(make_zip(tmp_path / "dangling.zip", dangling), cc11_schemas)
    assert any("points at no resource" in p.message for p in report.problems), [str(p) for p in report.all_problems]
    missing = dict(files)
    del missing["weblinks/lib1.xml"]
    report = validate_package(make_zip(tmp_path / "missing.zip", missing), cc11_schemas)
    assert any("'weblinks/lib1.xml' is not in the zip" in p.message for p in report.problems)
