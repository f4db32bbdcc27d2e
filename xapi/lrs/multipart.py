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


def parse(content_type: str, body: bytes) -> list[Part]:
    _, options = parse_options_header(content_type)
    boundary = options.get("boundary")
    if not boundary:
        raise BadRequest("multipart/mixed: the boundary parameter is missing")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise BadRequest("multipart/mixed: body is not delimited by the declared boundary")
    parts = []
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise BadRequest("multipart/mixed: each part must start and end with CRLF")
        head, sep, content = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            if chunk[2:].startswith(b"\r\n"):  # a part without headers
                head, content = b"", chunk[4:-2]
            else:
                raise BadRequest("multipart/mixed: a part has no blank line after its headers")
        headers = {}
        for line in head.split(b"\r\n"):
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
