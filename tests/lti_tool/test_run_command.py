"""`mirco run` (what the README's `make run` starts) serves the catalogue and the demo over real HTTP."""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.servers import free_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "courses"


@pytest.mark.parametrize("base_url_set", [True, False], ids=["base-url-set", "base-url-from-port"])
def test_mirco_run_serves_catalogue_and_demo(tmp_path: Path, base_url_set: bool) -> None:
    """Without MIRCO_BASE_URL, `--port` decides the URLs the demo's launches go to (they went to port 5000)."""
    port = free_port()
    env = {**os.environ, "MIRCO_DEMO": "1", "MIRCO_INSTANCE_PATH": str(tmp_path / "instance"),
           "MIRCO_COURSES_DIRS": str(FIXTURES), "MIRCO_BASE_URL": f"http://127.0.0.1:{port}"}
    if not base_url_set:
        del env["MIRCO_BASE_URL"]
    env.pop("MIRCO_DATABASE_URL", None)  # the embedded default: SQLite under the instance folder
    mirco = Path(sys.executable).with_name("mirco")
    process = subprocess.Popen([str(mirco), "run", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        page = None
        for _ in range(150):
            if process.poll() is not None:
                break
            try:
                page = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert page is not None, "mirco run exited or never listened on its port"
        assert page.status_code == 200 and "Refugee protection essentials" in page.text
        demo = requests.get(f"http://127.0.0.1:{port}/demo/", timeout=5)
        assert demo.status_code == 200 and "instructor" in demo.text.lower()
        start = re.search(r'href="([^"]*/start/[^"]*)"', demo.text)
        assert start, "the demo page offers no launch"
        login = requests.get(f"http://127.0.0.1:{port}" + html.unescape(start.group(1)), allow_redirects=False,
                             timeout=5)
        assert login.status_code in (302, 303) and login.headers["Location"].startswith(f"http://127.0.0.1:{port}/")
        assert (tmp_path / "instance" / "keys").is_dir()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert f"open http://127.0.0.1:{port}/" in output
