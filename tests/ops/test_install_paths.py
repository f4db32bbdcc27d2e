"""What each install path gives: `pip install` of a built wheel (translated pages, the SCORM runtime, a doctor
that notices when either is missing) and the Makefile's catalogue step behind `make run` and `make test`. The wheel is built from a copy of the sources without any compiled catalogue, in pip's
isolated build environment (so the build requirements in pyproject.toml are the ones used)."""
from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import requests

from tests.conftest import FIXTURE_COURSES, ROOT
from tests.mirco_process import mirco_run

SOURCES = ("courses", "xapi", "scorm", "lti_tool", "setup.cfg", "setup.py", "pyproject.toml", "README.md",
           "MANIFEST.in")
VENDORED = ROOT / "lti_tool" / "static" / "vendor" / "scorm-again"
RUNTIME_FILES = ("scorm12.min.js", "scorm2004.min.js")


def _source_copy(target: Path) -> Path:
    """The sources as a fresh clone plus `scripts/vendor-assets.sh` has them: no .mo, no caches."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("*.mo", "__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target / name)
    assert not list(target.rglob("*.mo"))
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert all((VENDORED / name).is_file() for name in RUNTIME_FILES), \
        "the vendored runtime is missing in the checkout: run `bash scripts/install-assets.sh`"
    source = _source_copy(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    assert "BuildBackendWarning" not in build.stderr and "is absent from the `packages`" not in build.stderr
    (built,) = out.glob("mirco_learning_suite-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed (its dependencies come from the project's venv, not a download)."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    purelib = Path(subprocess.run([str(venv / "bin" / "python"), "-c",
                                   "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True, timeout=300,
                   cwd=venv, env=_isolated_env())  # the checkout on the path would count as installed
    # Then the dependencies: a plain path line to the project venv's packages, added after the install so pip
    # never sees the checkout's editable install there (nor runs its .pth files).
    (purelib / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    assert (purelib / "lti_tool" / "translations").is_dir()
    return venv


def _isolated_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MIRCO_DATABASE_URL"}}


def test_wheel_contains_compiled_catalogues_and_the_scorm_runtime(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    languages = sorted(p.parent.parent.name for p in (ROOT / "lti_tool/translations").glob("*/LC_MESSAGES/messages.po"))
    assert len(languages) >= 5
    for language in languages:
        assert f"lti_tool/translations/{language}/LC_MESSAGES/messages.mo" in names
    for name in RUNTIME_FILES:
        assert f"lti_tool/static/vendor/scorm-again/{name}" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]


def test_wheel_carries_templates_static_files_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("lti_tool/templates/base.html", "lti_tool/static/mirco.css", "lti_tool/migrations/env.py",
                     "lti_tool/migrations/script.py.mako", "lti_tool/migrations/versions/0001_course_catalogue.py",
                     "xapi/migrations/0001_lrs.py", "lti_tool/wsgi.py"):
        assert expected in names, expected
    assert not [n for n in names if n.startswith("packaging/") or "__pycache__" in n or n.endswith(".pyc")]


def test_installed_wheel_migrates_and_serves(wheel: Path, tmp_path: Path) -> None:
    """The code as pip installs it (no checkout around it) upgrades an empty database and answers /readyz."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import sys, lti_tool; assert lti_tool.__file__.startswith(sys.argv[1]), lti_tool.__file__\n"
            "from lti_tool.app import create_app; from lti_tool.migrate import upgrade\n"
            "app = create_app({'instance_path': sys.argv[2], 'courses_dirs': ()})\n"
            "upgrade(app.extensions['mirco'].db.engine)\n"
            "print(app.test_client().get('/readyz').status_code)\n")
    result = subprocess.run([sys.executable, "-c", code, str(site), str(tmp_path / "instance")], cwd=site,
                            capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "200"


def test_installed_wheel_serves_pages_in_serbian_latin(installed: Path, tmp_path: Path) -> None:
    python = installed / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import lti_tool; print(lti_tool.__file__)"], cwd=tmp_path,
                           env=_isolated_env(), capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(installed)), f"lti_tool imported from {where}, not from the installed wheel"
    with mirco_run(installed / "bin" / "mirco", tmp_path / "instance", FIXTURE_COURSES, demo=False, cwd=tmp_path,
                   env=_isolated_env()) as tool:
        serbian = requests.get(f"{tool.url}/?lang=sr-Latn", timeout=10)
        english = requests.get(f"{tool.url}/?lang=en", timeout=10)
        runtime = requests.get(f"{tool.url}/static/vendor/scorm-again/scorm2004.min.js", timeout=10)
    assert serbian.status_code == 200 and english.status_code == 200
    assert "aligned with the European Qualifications Framework" in english.text
    assert "usklađen" in serbian.text and "Evropskim okvirom kvalifikacija" in serbian.text
    assert "aligned with the European Qualifications Framework" not in serbian.text
    assert runtime.status_code == 200 and len(runtime.content) > 100_000


def _doctor(installed: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**_isolated_env(), "MIRCO_INSTANCE_PATH": str(tmp_path / "instance"),
           "MIRCO_COURSES_DIRS": str(FIXTURE_COURSES), "MIRCO_BASE_URL": "http://127.0.0.1:9"}
    return subprocess.run([str(installed / "bin" / "mirco"), "doctor"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_doctor_reports_missing_catalogues_and_runtime_on_an_install(installed: Path, tmp_path: Path) -> None:
    healthy = _doctor(installed, tmp_path)
    assert any(line.startswith("ok") and "catalogues" in line for line in healthy.stdout.splitlines()), healthy.stdout
    assert any(line.startswith("ok") and "scorm runtime" in line for line in healthy.stdout.splitlines())
    package = next(installed.rglob("site-packages/lti_tool"))
    aside = tmp_path / "aside"
    moved = [*(package / "translations").glob("*/LC_MESSAGES/messages.mo"), package / "static" / "vendor"]
    for path in moved:  # put back afterwards: the install is shared by this module's tests
        (aside / path.relative_to(package)).parent.mkdir(parents=True, exist_ok=True)
        path.rename(aside / path.relative_to(package))
    try:
        broken = _doctor(installed, tmp_path)
    finally:
        for path in moved:
            (aside / path.relative_to(package)).rename(path)
    assert broken.returncode == 2
    lines = broken.stdout.splitlines()
    catalogue = next(i for i, line in enumerate(lines) if line.startswith("PROBLEM") and "catalogues" in line)
    assert "sr_Latn" in lines[catalogue] and "English" in lines[catalogue]
    assert "pybabel compile" in lines[catalogue + 1] and "fix:" in lines[catalogue + 1]
    runtime = next(i for i, line in enumerate(lines) if line.startswith("PROBLEM") and "scorm runtime" in line)
    assert "vendor-assets.sh" in lines[runtime + 1]


@pytest.mark.skipif(not shutil.which("make"), reason="make not installed")
def test_make_compiles_missing_and_stale_catalogues(tmp_path: Path) -> None:
    """`make run` and `make test` compile the catalogues (not only `make test` as before): `make catalogs`, their
    common step, run in a copy of the checkout's Makefile and catalogues with the project's tools."""
    for name in ("Makefile", "setup.cfg", "setup.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "lti_tool" / "translations", tmp_path / "lti_tool" / "translations",
                    ignore=shutil.ignore_patterns("*.mo"))
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".installed").touch()  # the install step is done; only the catalogues are missing
    make = ["make", "-s", "catalogs", f"VENV={venv}", f"BIN={Path(sys.executable).parent}"]
    assert "run: install" in (tmp_path / "Makefile").read_text() and "install: $(VENV)/.installed catalogs" in \
        (tmp_path / "Makefile").read_text()
    first = subprocess.run(make, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    catalogue = tmp_path / "lti_tool/translations/sr_Latn/LC_MESSAGES/messages.mo"
    with catalogue.open("rb") as handle:
        serbian = gettext.GNUTranslations(handle)
    assert serbian.gettext("Registration failed") == "Registracija nije uspela"
    before = catalogue.stat().st_mtime_ns
    again = subprocess.run(make, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and catalogue.stat().st_mtime_ns == before  # up to date: not compiled again
    source = catalogue.with_suffix(".po")
    os.utime(source, ns=(before + 10**9, before + 10**9))  # an edited catalogue is compiled again
    subprocess.run(make, cwd=tmp_path, check=True, capture_output=True, timeout=120)
    assert catalogue.stat().st_mtime_ns > before
