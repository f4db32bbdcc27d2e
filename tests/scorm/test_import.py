"""Import: valid packages of each SCORM version, and hostile or broken ones that must leave nothing behind."""
from __future__ import annotations

import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scorm.importer import PackageRejected, import_package
from scorm.models import ScormPackage, ScormSco
from scorm.safezip import ZipLimits
from tests.scorm.factories import (SCORM12_MANIFEST, SCO_PAGE, corrupt_member, export_zip, make_zip, scorm12_package,
                                   scorm2004_package)

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<manifest xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" identifier="x">&lol3;</manifest>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<manifest xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" identifier="x"><metadata>&xxe;</metadata></manifest>"""
XXE_NO_DOCTYPE_WORD = XXE.replace("<!DOCTYPE", "<!doctype")


@pytest.fixture
def store(app) -> Path:
    return app.extensions["mirco"].settings.packages_path


def counts(app) -> tuple[int, int]:
    with app.extensions["mirco"].db.sessions() as session:
        return (session.scalar(select(func.count()).select_from(ScormPackage)),
                session.scalar(select(func.count()).select_from(ScormSco)))


def nothing_left(app, store: Path) -> bool:
    leftovers = list(store.iterdir()) if store.exists() else []
    return counts(app) == (0, 0) and leftovers == []


def test_scorm12_package_with_two_organizations_xml_base_and_mastery(app, importer, store, tmp_path):
    result = importer(scorm12_package(tmp_path / "p.zip", title="Golf 1.2"))
    assert (result.kind, result.scos, result.files) == ("scorm12", 3, 3)
    with app.extensions["mirco"].db.sessions() as session:
        package = session.get(ScormPackage, result.package_id)
        items = [(s.organization, s.identifier, s.href, s.mastery) for s in package.scos]
        assert package.title == "Golf 1.2" and package.default_organization == "ORG1"
        assert package.organizations == {"ORG1": "Golf 1.2", "ORG2": "Alternative order"}
    assert items == [("ORG1", "I1", "one.html", 0.8), ("ORG1", "I2", "sub/two.html?part=2", None),
                     ("ORG2", "J1", "sub/two.html", None)]
    assert (store / result.package_id / "sub" / "two.html").read_text() == SCO_PAGE
    assert [p.name for p in store.iterdir()] == [result.package_id]  # no temporary folder left


@pytest.mark.parametrize("version, kind", [("2004 4th Edition", "scorm2004_4ed"), ("2004 3rd Edition", "scorm2004_3ed"),
                                           ("CAM 1.3", "scorm2004_2ed")])
def test_scorm2004_packages_of_each_edition(app, importer, store, tmp_path, version, kind):
    result = importer(scorm2004_package(tmp_path / "p.zip", version=version, title=f"Hand-made {kind}"))
    assert result.kind == kind
    with app.extensions["mirco"].db.sessions() as session:
        package = session.get(ScormPackage, result.package_id)
        assert (package.title, package.description) == (f"Hand-made {kind}", "A package made by hand.")
        assert [(s.identifier, s.parent, s.href, s.mastery) for s in package.scos] == [
            ("I1", None, "content/a.html", 0.75), ("I3", "I2", "content/b.html", None)]
    assert (store / result.package_id / "content" / "shared.js").is_file()


@pytest.mark.parametrize("fmt", ["scorm12", "scorm2004"])
def test_our_own_exports_import(app, importer, mini_course, tmp_path, fmt):
    result = importer(export_zip(mini_course, fmt, tmp_path / "p.zip"))
    assert result.scos == 2 and result.title == "Refugee protection essentials"
    with app.extensions["mirco"].db.sessions() as session:
        masteries = [s.mastery for s in session.get(ScormPackage, result.package_id).scos]
    assert masteries == [0.5, 0.6]


def hostile(case: str, tmp_path: Path) -> tuple[Path, dict]:
    """(package, import options) for each hostile or broken package."""
    path = tmp_path / f"{case}.zip"
    options: dict = {}
    if case == "zip-slip":
        scorm12_package(path, extra={"../../evil.html": "x"})
    elif case == "absolute-path":
        scorm12_package(path, extra={"/etc/cron.d/evil": "x"})
    elif case == "windows-drive":
        scorm12_package(path, extra={"C:\\Windows\\evil.dll": "x"})
    elif case == "backslash-dotdot":
        scorm12_package(path, extra={"sub\\..\\..\\evil.html": "x"})
    elif case == "symlink":
        make_zip(path, {"imsmanifest.xml": SCORM12_MANIFEST.format(title="t", ident="s"), "one.html": "/etc/passwd",
                        "sub/two.html": "x"}, symlinks=("one.html",))
    elif case == "encrypted":
        make_zip(path, {"imsmanifest.xml": SCORM12_MANIFEST.format(title="t", ident="e"), "one.html": SCO_PAGE,
                        "sub/two.html": SCO_PAGE}, encrypted=("one.html",))
    elif case == "zip-bomb":
        scorm12_package(path, extra={"padding.bin": b"\0" * (3 * 1024 * 1024)})
    elif case == "too-many-files":
        scorm12_package(path, extra={f"f{i}.txt": "x" for i in range(20)})
        options["limits"] = ZipLimits(max_files=10)
    elif case == "too-large":
        scorm12_package(path, extra={"big.bin": bytes(range(256)) * 4096})
        options["limits"] = ZipLimits(max_total_bytes=512 * 1024)
    elif case == "duplicate-names":
        scorm12_package(path, extra={"ONE.html": "x"})
    elif case == "xxe":
        scorm12_package(path, manifest=XXE_NO_DOCTYPE_WORD)
    elif case == "billion-laughs":
        scorm12_package(path, manifest=BILLION_LAUGHS)
    elif case == "not-a-zip":
        path.write_bytes(b"%PDF-1.7 pretending")
    elif case == "truncated-zip":
        scorm12_package(path)
        path.write_bytes(path.read_bytes()[:200])
    elif case == "damaged-page":
        corrupt_member(scorm12_package(path, extra={"page.html": SCO_PAGE * 50}), "page.html")
    elif case == "damaged-asset":
        corrupt_member(scorm12_package(path, extra={"asset.js": "void 0;" * 500}), "asset.js")
    elif case == "no-manifest":
        make_zip(path, {"index.html": SCO_PAGE})
    elif case == "nested-manifest":
        make_zip(path, {"pkg/imsmanifest.xml": SCORM12_MANIFEST.format(title="t", ident="n")})
    elif case == "missing-resource":
        scorm12_package(path, manifest=SCORM12_MANIFEST.format(title="t", ident="m").replace(
            'identifierref="R2" parameters', 'identifierref="NOPE" parameters'))
    elif case == "missing-file":
        make_zip(path, {"imsmanifest.xml": SCORM12_MANIFEST.format(title="t", ident="f"), "one.html": SCO_PAGE})
    elif case == "schema-invalid":
        scorm12_package(path, manifest=SCORM12_MANIFEST.format(title="t", ident="v").replace(
            '<resource identifier="R1" type="webcontent"', '<resource identifier="R1"'))
    elif case == "common-cartridge":
        make_zip(path, {"imsmanifest.xml": '<manifest xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1" '
                                           'identifier="cc"/>'})
    elif case == "duplicate-item-ids":  # xs:ID would catch it, but not with --ignore-schema-errors
        scorm12_package(path, manifest=SCORM12_MANIFEST.format(title="t", ident="d").replace(
            'identifier="I2"', 'identifier="I1"'))
        options["ignore_schema_errors"] = True
    elif case == "no-organization":
        scorm12_package(path, manifest='<manifest xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
                                       'identifier="x"><organizations/><resources/></manifest>')
    return path, options


HOSTILE = {
    "zip-slip": "'..' would write outside", "absolute-path": "absolute path", "windows-drive": "absolute path",
    "backslash-dotdot": "'..' would write outside", "symlink": "symbolic link", "encrypted": "encrypted entry",
    "zip-bomb": "compression ratio", "too-many-files": "more than the limit of 10", "too-large": "byte limit",
    "duplicate-names": "duplicate of", "xxe": "DOCTYPE/ENTITY declarations are not allowed",
    "billion-laughs": "DOCTYPE/ENTITY declarations are not allowed", "not-a-zip": "not a readable zip file",
    "truncated-zip": "not a readable zip file", "no-manifest": "no imsmanifest.xml or cmi5.xml at the zip root",
    "nested-manifest": "must be at the zip root", "damaged-page": "'page.html': damaged or unreadable data",
    "damaged-asset": "'asset.js': damaged or unreadable data", "missing-resource": "refers to unknown resource 'NOPE'",
    "missing-file": "'sub/two.html' is not in the zip", "schema-invalid": "'type' is required",
    "common-cartridge": "cc13 packages cannot be imported", "duplicate-item-ids": "'I1' is empty or used twice", "no-organization": "no <organization>",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_and_broken_packages_are_refused_and_leave_nothing(app, importer, store, tmp_path, case):
    path, options = hostile(case, tmp_path)
    with pytest.raises(PackageRejected) as refused:
        importer(path, **options)
    assert any(HOSTILE[case] in str(p) for p in refused.value.problems), [str(p) for p in refused.value.problems]
    assert nothing_left(app, store)
    assert not (tmp_path.parent / "evil.html").exists()


def test_schema_errors_can_be_overridden_but_structure_cannot(app, importer, tmp_path):
    path, _ = hostile("schema-invalid", tmp_path)
    assert importer(path, ignore_schema_errors=True).kind == "scorm12"
    broken, _ = hostile("missing-file", tmp_path)
    with pytest.raises(PackageRejected):
        importer(broken, ignore_schema_errors=True)


def test_the_same_package_twice_is_refused(app, importer, tmp_path):
    path = scorm12_package(tmp_path / "p.zip")
    first = importer(path)
    with pytest.raises(PackageRejected, match=f"already imported as package {first.package_id}"):
        importer(path)
    assert counts(app) == (1, 3)


def test_a_failed_commit_leaves_no_files(app, store, schemas, tmp_path):
    db = app.extensions["mirco"].db

    @contextmanager
    def failing_transaction():
        with db.transaction() as session:
            yield session
            raise RuntimeError("database went away during commit")

    calls = iter([db.transaction, failing_transaction])  # duplicate check passes, the write fails
    with pytest.raises(RuntimeError):
        import_package(scorm12_package(tmp_path / "p.zip"), store, lambda: next(calls)(), schemas_dir=schemas)
    assert nothing_left(app, store)


def test_extract_refuses_past_the_size_limit(tmp_path):
    from scorm.safezip import UnsafePackage, extract
    path = scorm12_package(tmp_path / "p.zip", extra={"big.bin": b"\1" * 300_000})
    with zipfile.ZipFile(path) as archive, pytest.raises(UnsafePackage, match="byte limit"):
        extract(archive, tmp_path / "out", ZipLimits(max_total_bytes=100_000))
