"""Start Ralph 5.1.0's LRS (openfun/ralph, PyPI ralph-malph) with its file backend, for lrs_bench.py.

Two fixes that the released package needs: `requests` installed beside it, and the file backend's default write
operation set to APPEND (as released it is CREATE, so every POST after the first fails with HTTP 500).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

USER, PASSWORD = "bench", "bench-password"
LAUNCHER = """
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.data.fs import FSDataBackend
FSDataBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port={port}, log_level="warning")
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def ralph_server(venv: Path, workdir: Path) -> Iterator[tuple[str, tuple[str, str]]]:
    """Yield (endpoint, basic auth) of a running Ralph LRS whose statements go to a JSONL file in `workdir`.

    One uvicorn process: worker processes would re-import Ralph without the APPEND fix."""
    python = venv / "bin" / "python"
    digest = subprocess.run([str(python), "-c", "import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), "
                             "bcrypt.gensalt(4)).decode())", PASSWORD], capture_output=True, text=True, check=True)
    auth_file = workdir / "auth.json"
    auth_file.write_text(json.dumps([{"agent": {"mbox": "mailto:bench@example.com"}, "scopes": ["all"],
                                      "username": USER, "hash": digest.stdout.strip()}]))
    port = _port()
    env = {**os.environ, "RALPH_AUTH_FILE": str(auth_file), "RALPH_RUNSERVER_BACKEND": "fs",
           "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(workdir),
           "RALPH_APP_DIR": str(workdir / "app")}
    process = subprocess.Popen([str(python), "-c", LAUNCHER.format(port=port)], cwd=workdir,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}/xAPI"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/__heartbeat__", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.3)
        yield endpoint, (USER, PASSWORD)
    finally:
        process.terminate()
        process.wait(20)
