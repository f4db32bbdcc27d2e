"""Export: what each package holds, whatever LMS plays it (manifest at the root, offline, reproducible)."""
from __future__ import annotations

import io
import json
import re
import shutil
import zipfile

import pytest
from lxml import etree

from courses import load_course
from scorm import namespaces as ns
from scorm.export import ExportError, package_files
from scorm.formats import FORMATS, SUSPEND_LIMITS
from tests.conftest import FIXTURE_COURSES
from tests.scorm.factories import BASE_URL, export_files

REMOTE = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


def content_of(files: dict[str, bytes]) -> dict:
    text = files["content.js"].decode()
    assert text.startswith("window.MIRCO_CONTENT=")
    return json.loads(text[len("window.MIRCO_CONTENT="):].rstrip().rstrip(";"))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("per", ["module", "course"])
def test_manifest_is_at_the_root_and_nothing_loads_from_the_network(mini_course, fmt, per):
    files = export_files(mini_course, fmt, per)
    manifest = "cmi5.xml" if fmt == "cmi5" else "imsmanifest.xml"
    assert next(iter(files)) == manifest
    for name, data in files.items():
        assert not name.startswith(("/", "..")) and "/../" not in name
        if name.endswith((".html", ".css", ".js")) and name != "content.js":
            assert not REMOTE.search(data.decode()), f"{name} loads something from the network"


@pytest.mark.parametrize("fmt", ["scorm12", "scorm2004", "cmi5"])
def test_player_ships_one_core_and_only_its_own_adapter(mini_course, fmt):
    files = export_files(mini_course, fmt)
    adapters = sorted(n for n in files if n.startswith("adapter-"))
    assert adapters == ["adapter-base.js", f"adapter-{fmt}.js"]
    assert content_of(files)["suspendLimit"] == SUSPEND_LIMITS[fmt]
    page = files["sco-m1-basics.html"].decode()
    assert f'src="adapter-{fmt}.js"' in page and 'data-sco="sco-m1-basics"' in page


def test_every_question_type_reaches_the_player_with_stable_iris(mini_course):
    data = content_of(export_files(mini_course, "scorm2004"))
    quiz = data["scos"]["sco-m1-basics"]["quizzes"][0]
    assert {q["type"] for q in quiz["questions"]} == {"single", "multiple", "true_false", "matching", "ordering", "fill_in"}
    assert quiz["iri"] == "https://mirco.example.org/xapi/activities/mini-course/m1-basics/m1-quiz"
    assert quiz["questions"][0]["iri"].endswith("/mini-course/m1-basics/m1-quiz/q1")
    lesson = data["scos"]["sco-m1-basics"]["lessons"][0]
    assert lesson["iri"].endswith("/mini-course/m1-basics/m1-l1-definition")
    assert "<h2>The definition</h2>" in lesson["html"]
    assert data["xapi"]["verbs"]["initialized"] == "http://adlnet.gov/expapi/verbs/initialized"


def test_scorm12_mastery_score_comes_from_the_quiz_passing_score(mini_course):
    root = etree.fromstring(export_files(mini_course, "scorm12")["imsmanifest.xml"])
    items = root.findall(f".//{{{ns.CP12}}}item")
    assert [i.findtext(f"{{{ns.ADLCP12}}}masteryscore") for i in items] == ["50", "60"]
    resources = root.findall(f".//{{{ns.CP12}}}resource")
    assert [r.get(f"{{{ns.ADLCP12}}}scormtype") for r in resources] == ["sco", "sco", "asset"]
    course_sco = etree.fromstring(export_files(mini_course, "scorm12", "course")["imsmanifest.xml"])
    assert course_sco.find(f".//{{{ns.ADLCP12}}}masteryscore") is None  # two quizzes: the SCO decides itself


def test_scorm2004_default_sequencing_uploads_to_moodle_no_map_info(mini_course):
    """Moodle 5.1's scorm_get_manifest() (mod/scorm/datamodels/scormlib.php) assigns `$objectivesdata->mapinfos`
    (sic: `$objectivedata` is meant) for any imsss:mapInfo and fails the upload with "Attempt to assign property
    mapinfos on null". The default export carries none, nor any rule that would need one to become enabled."""
    for per in ("module", "course"):
        root = etree.fromstring(export_files(mini_course, "scorm2004", per)["imsmanifest.xml"])
        assert root.find(f".//{{{ns.IMSSS}}}mapInfo") is None
        assert root.find(f".//{{{ns.IMSSS}}}sequencingRules") is None
    root = etree.fromstring(export_files(mini_course, "scorm2004")["imsmanifest.xml"])
    first, final = root.findall(f".//{{{ns.CP}}}item")
    for item, mastery in ((first, "0.5"), (final, "0.6")):
        primary = item.find(f".//{{{ns.IMSSS}}}primaryObjective")
        assert primary.get("satisfiedByMeasure") == "true"
        assert primary.findtext(f"{{{ns.IMSSS}}}minNormalizedMeasure") == mastery
    control = root.find(f".//{{{ns.CP}}}organization/{{{ns.IMSSS}}}sequencing/{{{ns.IMSSS}}}controlMode")
    assert control.get("choice") == "true" and control.get("flow") == "true"
    rollup = root.findall(f".//{{{ns.CP}}}organization/{{{ns.IMSSS}}}sequencing//{{{ns.IMSSS}}}rollupAction")
    assert [r.get("action") for r in rollup] == ["satisfied", "completed"]
    outcome_ids = [o.get("objectiveID") for o in first.findall(f".//{{{ns.IMSSS}}}objective")]
    assert outcome_ids[0].endswith("/mini-course/outcomes/K1")


def test_sequencing_full_is_for_scorm2004_only(mini_course):
    for fmt in ("scorm12", "cmi5", "cc"):
        with pytest.raises(ExportError, match="SCORM 2004 only"):
            package_files(mini_course, fmt, iri_base="x:/a", base_url=BASE_URL, sequencing="full")
    with pytest.raises(ExportError, match="--sequencing must be one of portable, full"):
        package_files(mini_course, "scorm2004", iri_base="x:/a", base_url=BASE_URL, sequencing="strict")


def test_scorm2004_full_sequencing_keeps_modules_in_order_and_rolls_up_by_mastery(mini_course):
    root = etree.fromstring(export_files(mini_course, "scorm2004", sequencing="full")["imsmanifest.xml"])
    first, final = root.findall(f".//{{{ns.CP}}}item")
    primary = first.find(f".//{{{ns.IMSSS}}}primaryObjective")
    assert primary.get("satisfiedByMeasure") == "true"
    assert primary.findtext(f"{{{ns.IMSSS}}}minNormalizedMeasure") == "0.5"
    assert first.find(f".//{{{ns.IMSSS}}}preConditionRule") is None
    rule = final.find(f".//{{{ns.IMSSS}}}preConditionRule")
    assert rule.find(f"{{{ns.IMSSS}}}ruleAction").get("action") == "disabled"
    previous = final.find(f".//{{{ns.IMSSS}}}objective[@objectiveID='OBJ-previous']/{{{ns.IMSSS}}}mapInfo")
    written = primary.find(f"{{{ns.IMSSS}}}mapInfo")
    assert previous.get("targetObjectiveID") == written.get("targetObjectiveID")
    outcome_ids = [o.get("objectiveID") for o in first.findall(f".//{{{ns.IMSSS}}}objective")]
    assert outcome_ids[0].endswith("/mini-course/outcomes/K1")
    control = root.find(f".//{{{ns.CP}}}organization/{{{ns.IMSSS}}}sequencing/{{{ns.IMSSS}}}controlMode")
    assert control.get("choice") == "true" and control.get("flow") == "true"
    lom = root.find(f".//{{{ns.LOM}}}lom")
    assert lom.findtext(f".//{{{ns.LOM}}}typicalLearningTime/{{{ns.LOM}}}duration") == "PT2H"
    assert lom.findtext(f".//{{{ns.LOM}}}taxon/{{{ns.LOM}}}id") == "5"


def test_cmi5_structure_has_blocks_aus_move_on_and_mastery(mini_course):
    root = etree.fromstring(export_files(mini_course, "cmi5")["cmi5.xml"])
    aus = root.findall(f".//{{{ns.CMI5}}}au")
    assert [a.get("moveOn") for a in aus] == ["CompletedAndPassed", "CompletedAndPassed"]
    assert [a.get("masteryScore") for a in aus] == ["0.5", "0.6"]
    assert all(a.getparent().tag == f"{{{ns.CMI5}}}block" for a in aus)
    assert aus[0].findtext(f"{{{ns.CMI5}}}url") == "sco-m1-basics.html"


def test_exports_are_reproducible(mini_course, tmp_path):
    from scorm.export import export_course
    first = export_course(mini_course, "scorm12", tmp_path / "a.zip", iri_base="x:/a", base_url=BASE_URL)
    second = export_course(mini_course, "scorm12", tmp_path / "b.zip", iri_base="x:/a", base_url=BASE_URL)
    assert first.path.read_bytes() == second.path.read_bytes()


def test_translation_and_derived_cyrillic(mini_course):
    latin = content_of(export_files(mini_course, "scorm12", lang="sr-Latn"))
    assert latin["lang"] == "sr-Latn"
    assert latin["scos"]["sco-m1-basics"]["quizzes"][0]["title"] == "Provera modula 1"
    cyrillic = content_of(export_files(mini_course, "scorm12", lang="sr-Cyrl"))
    assert cyrillic["scos"]["sco-m1-basics"]["quizzes"][0]["title"] == "Провера модула 1"
    assert cyrillic["labels"]["next"] == "Даље"


def test_cyrillic_needs_a_serbian_latin_translation(tmp_path):
    course_dir = tmp_path / "mini-course"
    shutil.copytree(FIXTURE_COURSES / "mini-course", course_dir)
    for translation in course_dir.rglob("*.sr-Latn.*"):
        translation.unlink()
    with pytest.raises(ExportError, match="has no 'sr-Cyrl' text; languages: en"):
        export_files(load_course(course_dir), "scorm12", lang="sr-Cyrl")


@pytest.mark.parametrize("kwargs, message", [
    ({"lang": "de"}, "has no 'de' text"), ({"per": "lesson"}, "--sco-per"), ({"fmt": "scorm3"}, "unknown format"),
])
def test_impossible_exports_are_refused(mini_course, kwargs, message):
    fmt = kwargs.pop("fmt", "scorm12")
    with pytest.raises(ExportError, match=message):
        package_files(mini_course, fmt, iri_base="x:/a", base_url=BASE_URL, **kwargs)


def test_hostile_markdown_is_sanitized_and_images_are_packaged(tmp_path):
    course_dir = tmp_path / "mini-course"
    shutil.copytree(FIXTURE_COURSES / "mini-course", course_dir)
    lesson = course_dir / "modules" / "01-basics" / "01-definition.md"
    media = course_dir / "modules" / "01-basics" / "media"
    media.mkdir()
    (media / "map.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    lesson.write_text(lesson.read_text() + "\n<script>alert(1)</script>\n[x](javascript:alert(2))\n"
                      "\n![A map](media/map.png)\n", encoding="utf-8")
    files = export_files(load_course(course_dir), "scorm12")
    html = content_of(files)["scos"]["sco-m1-basics"]["lessons"][0]["html"]
    assert "<script" not in html and "href=\"javascript:" not in html
    assert 'src="media/modules/01-basics/media/map.png"' in html
    assert files["media/modules/01-basics/media/map.png"].startswith(b"\x89PNG")
    manifest = files["imsmanifest.xml"].decode()
    assert 'href="media/modules/01-basics/media/map.png"' in manifest


def test_images_named_with_diacritics_and_spaces_are_packaged(tmp_path):
    course_dir = tmp_path / "mini-course"
    shutil.copytree(FIXTURE_COURSES / "mini-course", course_dir)
    module = course_dir / "modules" / "01-basics"
    (module / "karta č.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    lesson = module / "01-definition.md"
    lesson.write_text(lesson.read_text() + "\n![A map](<karta č.png>)\n", encoding="utf-8")
    files = export_files(load_course(course_dir), "scorm2004")
    html = content_of(files)["scos"]["sco-m1-basics"]["lessons"][0]["html"]
    assert 'src="media/modules/01-basics/karta%20%C4%8D.png"' in html
    assert files["media/modules/01-basics/karta č.png"].startswith(b"\x89PNG")


def test_suspend_limits_follow_each_version():
    assert SUSPEND_LIMITS == {"scorm12": 4096, "scorm2004": 64000, "cmi5": 64000}


def test_zip_is_written_atomically(mini_course, tmp_path, monkeypatch):
    from scorm import export
    target = tmp_path / "out.zip"
    monkeypatch.setattr(export.zipfile.ZipFile, "writestr", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        export.export_course(mini_course, "scorm12", target, iri_base="x:/a", base_url=BASE_URL)
    assert list(tmp_path.iterdir()) == []


def test_zip_members_are_plain_files(mini_course, tmp_path):
    from scorm.export import export_course
    result = export_course(mini_course, "cmi5", tmp_path / "p.zip", iri_base="x:/a", base_url=BASE_URL)
    with zipfile.ZipFile(io.BytesIO(result.path.read_bytes())) as archive:
        assert all((info.external_attr >> 16) & 0o170000 in (0, 0o100000) for info in archive.infolist())
        assert archive.testzip() is None
