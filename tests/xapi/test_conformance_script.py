"""scripts/lrs-conformance.sh: a fresh database, the tool under gunicorn with a seed credential, each suite run in
turn against it, and a non-zero exit when any run fails. ADL's suite itself (Node, minutes) is replaced by a runner
that makes the requests a suite would make first: the credential it is given must write and read statements."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, require_postgres

ROOT = Path(__file__).resolve().parents[2]
RUNNER = """#!/usr/bin/env bash
set -u
echo "$SUITE $4" >> "$RUN_LOG"
auth=(-u "$2:$3" -H "X-Experience-API-Version: $4")
curl -sf "${auth[@]}" -H "Content-Type: application/json" -d '{"actor": {"mbox": "mailto:a@example.com"},
  "verb": {"id": "http://example.com/v"}, "object": {"id": "http://example.com/a"}}' "$1/statements" >/dev/null || exit 3
curl -sf "${auth[@]}" "$1/statements" | grep -q '"statements"' || exit 4
[ "$SUITE:$4" != "${FAIL_RUN:-}" ]
"""


@pytest.mark.parametrize("backend,fail_run", [("sqlite", ""), ("postgresql", "backcompat:2.0.0")])
def test_script_runs_both_suites_and_fails_when_one_fails(tmp_path: Path, backend: str, fail_run: str) -> None:
    if backend == "postgresql":
        require_postgres()
    runner = tmp_path / "run.sh"
    runner.write_text(RUNNER)
    runner.chmod(0o755)
    runs = tmp_path / "runs.txt"
    env = {**os.environ, "LRS_CONFORMANCE_RUN": str(runner), "RUN_LOG": str(runs), "FAIL_RUN": fail_run,
           "MIRCO_TEST_POSTGRES_URL": POSTGRES_URL}
    done = subprocess.run([str(ROOT / "scripts" / "lrs-conformance.sh"), backend], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert runs.read_text().split("\n")[:2] == ["master 1.0.3", "backcompat 2.0.0"], done.stdout + done.stderr
    assert done.returncode == (1 if fail_run else 0), done.stdout + done.stderr
