"""A WSGI app served on a free port of 127.0.0.1 in a thread: the real HTTP edge for cross-service tests; free ports
and waiting for a server or a condition."""
from __future__ import annotations

import logging
import socket
import threading
import time

import requests

from flask import Flask
from werkzeug.serving import make_server


class ThreadedServer:
    def __init__(self, app: Flask) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request says nothing in tests
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    """Poll `check` until it is true; a server not answering yet (connection refused) counts as not ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s")
