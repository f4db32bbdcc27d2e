"""`mirco run` as the README's `make run` starts it: a real process on a free port of 127.0.0.1."""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.servers import free_port, wait_for


@dataclass
class RunningTool:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        """Everything the process printed so far (stdout and stderr)."""
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def mirco_run(mirco: Path, instance: Path, courses: Path, *, demo: bool = True, cwd: Path | None = None,
              env: dict[str, str] | None = None) -> Iterator[RunningTool]:
    """Start `mirco run` (embedded SQLite under `instance`) and stop it when the block is left."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, **(env or {}), "MIRCO_INSTANCE_PATH": str(instance),
                   "MIRCO_COURSES_DIRS": str(courses), "MIRCO_BASE_URL": url}
    environment.pop("MIRCO_DATABASE_URL", None)  # the embedded default
    if demo:
        environment["MIRCO_DEMO"] = "1"
    else:
        environment.pop("MIRCO_DEMO", None)
    log = instance.parent / f"mirco-run-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen([str(mirco), "run", "--port", str(port)], env=environment, cwd=cwd,
                                   stdout=sink, stderr=subprocess.STDOUT, text=True)
    tool = RunningTool(url, process, log)
    try:
        def listening() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"mirco run exited: {tool.output()}")
            return requests.get(f"{url}/healthz", timeout=2).status_code == 200
        wait_for(listening, 60, "mirco run")
        yield tool
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
