"""multipart/mixed for statements with attachments (xAPI 1.0.3 / 2.0 "Attachments"), read and written exactly."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from werkzeug.http import parse_options_header

from xapi.errors import BadRequest


@dataclass
class Part:
    headers: dict[str, str]
    content: bytes


def _strip_line_break(chunk: bytes, *, start: bool) -> bytes | None:
    for eol in (b"\r\n", b"\n"):
        if start and chunk.startswith(eol):
            return chunk[len(eol):]
        if not start and chunk.endswith(eol):
            return chunk[: -len(eol)]
    return None


def parse(content_type: str, body: bytes) -> list[Part]:
    """Parts of a multipart/mixed body; CRLF line breaks as RFC 2046 says, bare LF tolerated (files saved on
    Unix by some clients and test suites)."""
    _, options = parse_options_header(content_type)
    boundary = options.get("boundary")
    if not boundary:
        raise BadRequest("multipart/mixed: the boundary parameter is missing")
    chunks = body.split(b"--" + boundary.encode("latin-1"))
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise BadRequest("multipart/mixed: body is not delimited by the declared boundary")
    parts = []
    for chunk in chunks[1:-1]:
        inner = _strip_line_break(chunk, start=True)
        inner = _strip_line_break(inner, start=False) if inner is not None else None
        if inner is None:
            raise BadRequest("multipart/mixed: each part must start and end with a line break")
        separators = [(inner.find(sep), sep) for sep in (b"\r\n\r\n", b"\n\n") if sep in inner]
        if inner.startswith((b"\r\n", b"\n")):  # a part without headers
            head, content = b"", _strip_line_break(inner, start=True) or b""
        elif separators:
            at, sep = min(separators)
            head, content = inner[:at], inner[at + len(sep):]
        else:
            raise BadRequest("multipart/mixed: a part has no blank line after its headers")
        headers = {}
        for line in head.replace(b"\r\n", b"\n").split(b"\n"):
            if not line:
                continue
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                raise BadRequest("multipart/mixed: malformed part header")
            headers[name.strip().lower()] = value.strip()
        parts.append(Part(headers, content))
    return parts


def digest(content: bytes, like: str) -> str:
    """SHA-2 of `content` with the length of the declared hex digest (224/256/384/512 bits)."""
    algorithm = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}.get(len(like), "sha256")
    return hashlib.new(algorithm, content).hexdigest()


def build(first_json: bytes, attachments: dict[str, tuple[str, bytes]]) -> tuple[str, bytes]:
    """(content type, body): the statements JSON first, then each attachment by its hash."""
    boundary = secrets.token_hex(16)
    out = [b"--" + boundary.encode() + b"\r\nContent-Type: application/json\r\n\r\n" + first_json + b"\r\n"]
    for sha2, (content_type, content) in attachments.items():
        out.append(b"--" + boundary.encode() + b"\r\n" + (
            f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n").encode() + content + b"\r\n")
    out.append(b"--" + boundary.encode() + b"--")
    return f"multipart/mixed; boundary={boundary}", b"".join(out)
