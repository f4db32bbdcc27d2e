"""The npm client @xapi/xapi, run by node, against the LRS over real HTTP, for xAPI 1.0.3 and 2.0."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI, ROOT
from tests.xapi.conftest import KEY, SECRET

SCRIPT = Path(__file__).parent / "node" / "xapi_client.cjs"


def node_ready() -> None:
    if shutil.which("node") and (ROOT / "node_modules" / "@xapi" / "xapi").is_dir():
        return
    message = "node and node_modules/@xapi/xapi are needed (make install-test runs npm ci)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_xapi_js_client(live_lrs: str, version: str) -> None:
    node_ready()
    result = subprocess.run(["node", str(SCRIPT), live_lrs, KEY, SECRET, version], capture_output=True, text=True,
                            timeout=120, cwd=ROOT, env={**os.environ, "NODE_PATH": str(ROOT / "node_modules")})
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["fetched"]["id"] == out["sent"][0] and out["fetched"]["version"].startswith(version[:3])
    assert out["pageSize"] == 2 and out["more"].startswith("/xapi/statements?") and out["rest"] == 1
    assert out["voidedFetched"] == out["batch"][0]
    assert out["state"] == {"page": 7, "seen": True}
    assert out["profiles"] == ["p"]
    assert out["activity"]["definition"]["name"] == {"en-US": "Node lesson"}
    assert out["person"]["mbox"] == ["mailto:node@example.com"]
    assert version in out["about"]["version"]
