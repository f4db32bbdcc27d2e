"""Fixtures for the package-format tests: the official schemas, exported packages, a CLI without a database."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.middleware.shared_data import SharedDataMiddleware

from courses import load_course
from scorm.importer import ImportResult, import_package
from scorm.models import ScormSco
from tests.browser.conftest import browser, require, serve  # noqa: F401 - shared browser fixture and server
from tests.conftest import FIXTURE_COURSES, ROOT, make_test_app
from tests.scorm.factories import BASE_URL, IRI_BASE


def shared_schemas() -> Path | None:
    """The official XSDs the lead keeps next to the repository (never copied into it)."""
    for candidate in (os.environ.get("MIRCO_TEST_SCHEMAS"), ROOT.parent / "shared" / "schemas", "/work/shared/schemas"):
        if candidate and (Path(candidate) / "scorm12").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def schemas() -> Path:
    found = shared_schemas()
    require(found is not None, "the official schemas in ../shared/schemas")
    return found


@pytest.fixture(scope="session")
def mini_course():
    return load_course(FIXTURE_COURSES / "mini-course")


@pytest.fixture
def cli_app(tmp_path: Path):
    """An application for CLI commands that never touch the database."""
    app = make_test_app(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path / "instance", base_url=BASE_URL,
                        activity_base_iri=IRI_BASE, scorm_schemas=shared_schemas())
    yield app
    app.extensions["mirco"].db.dispose()


class MircoRunner:
    """Runs `mirco ...` (the lti_tool.cli group) inside `app`, as the console script would."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.runner = app.test_cli_runner()

    def invoke(self, args: list[str]):  # type: ignore[no-untyped-def]
        from lti_tool.cli import cli

        return self.runner.invoke(cli, args=args)


@pytest.fixture
def cli(cli_app) -> MircoRunner:
    return MircoRunner(cli_app)


@pytest.fixture
def importer(app, schemas):  # type: ignore[no-untyped-def]
    """Imports a package zip into the test app's store and catalogue, checked against the official schemas as
    `mirco packages import` checks it (an administrator's package shared with every platform, unless
    `owner_platform` is given); keyword arguments go to scorm.importer.import_package."""
    state = app.extensions["mirco"]

    def run(path: Path, **kwargs) -> ImportResult:  # type: ignore[no-untyped-def]
        kwargs.setdefault("shared", kwargs.get("owner_platform") is None)
        return import_package(path, state.settings.packages_path, state.db.transaction, schemas_dir=schemas,
                              **kwargs)
    return run


def items_of(app, package_id: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """An imported package's launchable items: identifier -> primary key, in the manifest's order."""
    with app.extensions["mirco"].db.sessions() as session:
        return {s.identifier: s.id for s in session.scalars(
            select(ScormSco).where(ScormSco.package_id == package_id).order_by(ScormSco.position))}


SCORM_AGAIN = ROOT / "lti_tool" / "static" / "vendor" / "scorm-again"


@pytest.fixture(scope="session")
def scorm_again() -> Path:
    require((SCORM_AGAIN / "scorm12.min.js").is_file(), "scorm-again vendored by scripts/vendor-assets.sh")
    return SCORM_AGAIN


def static_site(mounts: dict[str, Path], fallback=None):  # type: ignore[no-untyped-def]
    """A WSGI app serving folders at URL prefixes (and `fallback` for every other path)."""
    return SharedDataMiddleware(fallback or NotFound(), {prefix: str(folder) for prefix, folder in mounts.items()})


@pytest.fixture(scope="session")
def cc11_schemas() -> Path:
    """A schema root whose `cc11/` folder holds the IMS CC 1.1 XSDs (ccv1p1_imscp_v1p2_v1p0.xsd, its LOM
    profiles, imslticc_v1p0p1.xsd with the BasicLTI ones, ccv1p1_imswl_v1p1.xsd, xml.xsd). Their IMS licence
    does not let this repository redistribute them, and ../shared/schemas does not hold them yet: point
    MIRCO_TEST_SCHEMAS at a root that has them (see docs/moodle-import.md). Skipped without them, in CI too, until
    shared/ carries them; the structural checks of every cartridge run regardless (tests/scorm/test_cartridge.py)."""
    found = shared_schemas()
    if found is None or not (found / "cc11" / "ccv1p1_imscp_v1p2_v1p0.xsd").is_file():
        pytest.skip("the IMS Common Cartridge 1.1 schemas are not in <schemas>/cc11 (docs/moodle-import.md)")
    return found
