"""The upload folder's disk is full: a package upload gets a clear 507 and leaves nothing behind, while learners
carry on (their data is in the database, not on that disk) and nothing they did is lost."""
from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import create_engine, func, select

from scorm.models import ScormPackage
from tests.conftest import IN_CI
from tests.e2e.checks import check_nothing_lost
from tests.e2e.stack import INSTRUCTOR_ID, Learner, Stack, Unavailable, build_stack, learner_ids
from tests.scorm.factories import scorm12_package

pytestmark = pytest.mark.slow
QUOTA = "1m"


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 1 MB tmpfs for the packages folder (a full disk or a user quota look the same to the tool: ENOSPC)."""
    mountpoint = Path(tempfile.mkdtemp(prefix="mirco-quota-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={QUOTA},mode=0777", "tmpfs", str(mountpoint)],
                             capture_output=True, text=True)
    if mounted.returncode:
        mountpoint.rmdir()
        message = f"cannot mount a small tmpfs here: {mounted.stderr.strip()}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield mountpoint
    subprocess.run(["umount", str(mountpoint)], check=True)
    mountpoint.rmdir()


@pytest.fixture
def stack_on_small_disk(tmp_path: Path, small_disk: Path) -> Iterator[Stack]:
    try:
        yield from build_stack(tmp_path, 2, 10, {"MIRCO_PACKAGES_DIR": str(small_disk)})
    except Unavailable as exc:
        if IN_CI:
            pytest.fail(str(exc))
        pytest.skip(str(exc))


def fill(disk: Path) -> None:
    with (disk / "filler").open("wb") as handle:
        try:
            while True:
                handle.write(os.urandom(64 * 1024))
                handle.flush()
        except OSError:
            pass


def upload_package(stack: Stack, package: Path):  # type: ignore[no-untyped-def]
    teacher = Learner(INSTRUCTOR_ID, stack.platform_url, stack.tool.url)
    teacher.launch()
    page = teacher.http.get(stack.tool.url + "/admin/packages/", timeout=30)
    assert page.status_code == 200, page.text[:500]
    form = next(f for f in lxml.html.fromstring(page.text, base_url=page.url).forms
                if any(i.get("type") == "file" for i in f.inputs))
    hidden = {i.get("name"): i.get("value") for i in form.inputs if i.get("type") == "hidden"}
    with package.open("rb") as handle:
        return teacher.http.post(form.action, data=hidden, files={"package": (package.name, handle,
                                                                              "application/zip")}, timeout=60)


def test_upload_to_a_full_disk_is_refused_cleanly_and_learners_lose_nothing(stack_on_small_disk: Stack,
                                                                            small_disk: Path,
                                                                            tmp_path: Path) -> None:
    stack = stack_on_small_disk
    package = scorm12_package(tmp_path / "course.zip", extra={"media/video.bin": os.urandom(400 * 1024)})
    fill(small_disk)
    answer = upload_package(stack, package)
    assert answer.status_code == 507, answer.text[:500]
    assert "nothing was saved" in answer.text
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]  # no partial upload or unpacked folder
    engine = create_engine(stack.postgres.url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ScormPackage.__table__)) == 0
    engine.dispose()

    users = learner_ids(10)
    outcomes = stack.run_learners(users)
    assert not [code for o in outcomes for code in o.statuses if code >= 500]
    check_nothing_lost(stack, outcomes, users)

    (small_disk / "filler").unlink()  # the administrator makes room: the same upload now works
    assert upload_package(stack, package).status_code in (200, 303)
