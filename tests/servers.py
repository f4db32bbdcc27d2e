"""A WSGI app served on a free port of 127.0.0.1 in a thread: the real HTTP edge for cross-service tests."""
from __future__ import annotations

import logging
import threading

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
