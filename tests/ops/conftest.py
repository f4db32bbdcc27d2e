"""Fixtures for the operations tests: small real HTTP servers on 127.0.0.1 standing in for the outside world."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.servers import ThreadedServer


@pytest.fixture
def serve() -> Iterator:
    """`serve(app) -> ThreadedServer`; every server is stopped at the end of the test."""
    servers: list[ThreadedServer] = []

    def start(app: Flask) -> ThreadedServer:
        servers.append(ThreadedServer(app))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def closed_port_url() -> str:
    """An http URL on which nothing listens (the port was just free)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
