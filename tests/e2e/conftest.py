"""The whole stack for the end-to-end tests (see tests/e2e/stack.py), skipped where its parts are missing
(failed under CI=true)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.e2e.stack import Stack, Unavailable, build_stack

WORKERS = 4


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    try:
        yield from build_stack(tmp_path, WORKERS)
    except Unavailable as exc:
        if IN_CI:
            pytest.fail(f"{exc} (required under CI=true)")
        pytest.skip(str(exc))
