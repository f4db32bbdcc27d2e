"""Requests to addresses a stranger chose (the platform's openid configuration during dynamic registration),
without letting them reach the tool's own network: every address the host resolves to must be public, and the
connection goes to one of those checked addresses (no second lookup an attacker's DNS could answer differently).

Whatever goes wrong (refused address, DNS, refused connection, timeout, TLS, HTTP status, size, not JSON) ends
in one `OutboundRefused`, so that a caller cannot learn from the answer what listens where.
"""
from __future__ import annotations

import ipaddress
import json
import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import connection as urllib3_connection

TIMEOUT = (5.0, 10.0)  # connect, read (seconds)
MAX_BYTES = 256 * 1024  # an openid configuration or a registration answer is a few kilobytes


class OutboundRefused(Exception):
    """The request was not made or did not give a usable JSON object; deliberately says nothing more."""


def is_public(address: str) -> bool:
    """True for a globally routable unicast address: not private, loopback, link-local, reserved, multicast,
    unspecified or shared (CGNAT), also when an IPv6 address wraps an IPv4 one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        wrapped = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if wrapped is not None and not is_public(str(wrapped)):
            return False
    return ip.is_global and not ip.is_multicast


def _checked_connection(conn: HTTPConnection) -> socket.socket:
    """Resolve the host, refuse it unless every address is public, connect to the first that answers."""
    try:
        infos = socket.getaddrinfo(conn._dns_host, conn.port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise OutboundRefused() from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses or not all(is_public(a) for a in addresses):
        raise OutboundRefused()
    last: OSError | None = None
    for address in addresses:
        try:
            return urllib3_connection.create_connection(
                (address, conn.port), conn.timeout, source_address=conn.source_address,
                socket_options=conn.socket_options)
        except OSError as exc:
            last = exc
    raise OutboundRefused() from last


class _PublicHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _checked_connection(self)


class _PublicHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _checked_connection(self)  # TLS is then set up on this socket for the URL's host name


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


def _session(allow_private: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: it would connect for us, unchecked
    if not allow_private:
        adapter = _PublicOnlyAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


def request_json(method: str, url: str, *, allow_private: bool, headers: dict[str, str] | None = None,
                 json_body: Any = None) -> tuple[int, Any]:
    """(status, parsed JSON body) of one request without redirects; OutboundRefused for anything unusable.
    The caller decides what a non-2xx status means; bodies over MAX_BYTES or not JSON are refused."""
    try:
        with _session(allow_private) as session:
            response = session.request(method, url, headers=headers, json=json_body, timeout=TIMEOUT,
                                       allow_redirects=False, stream=True)
            with response:
                body = response.raw.read(MAX_BYTES + 1, decode_content=True)
                status = response.status_code
    except OutboundRefused:
        raise
    except Exception as exc:  # requests, urllib3, socket and TLS errors alike: one answer for all of them
        raise OutboundRefused() from exc
    if len(body) > MAX_BYTES:
        raise OutboundRefused()
    try:
        return status, json.loads(body)
    except ValueError as exc:
        raise OutboundRefused() from exc
