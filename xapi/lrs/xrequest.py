"""The request as xAPI sees it, whether sent plainly or with the 1.0.3 alternate request syntax.

With `?method=PUT` (etc.) a browser POSTs a form whose fields carry the headers, the `content` and the
parameters; every resource handler reads an XRequest and never the raw Flask request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Request

from xapi.errors import BadRequest, PayloadTooLarge

HEADER_FIELDS = {"authorization", "x-experience-api-version", "content-type", "content-length", "if-match",
                 "if-none-match", "accept-language"}
METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}
V1 = "1.0.3"
V2 = "2.0.0"


@dataclass
class XRequest:
    method: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    version: str
    alternate: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()


def negotiate_version(raw: str | None, *, required: bool) -> str:
    """`1.0`, `1.0.x` -> 1.0.3; `2.0`, `2.0.x` -> 2.0.0; anything else (or nothing) -> 400."""
    if raw is None or not raw.strip():
        if required:
            raise BadRequest("X-Experience-API-Version header is required (1.0.3 or 2.0.0)")
        return V2
    raw = raw.strip()
    if re.fullmatch(r"1\.0(\.\d+)?", raw):
        return V1
    if re.fullmatch(r"2\.0(\.\d+)?", raw):
        return V2
    raise BadRequest(f"X-Experience-API-Version {raw!r} is not supported (1.0.x or 2.0.x)")


def _single(pairs: list[tuple[str, str]], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        if name in out:
            raise BadRequest(f"{what} {name!r} is given more than once")
        out[name] = value
    return out


def read_body(request: Request, max_bytes: int) -> bytes:
    too_large = PayloadTooLarge(f"request body larger than {max_bytes} bytes: send it in smaller requests",
                                limit=max_bytes, unit="bytes")
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large
    body = request.stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise too_large
    return body


def from_flask(request: Request, *, max_bytes: int, version_required: bool = True) -> XRequest:
    query = _single(list(request.args.items(multi=True)), "query parameter")
    body = read_body(request, max_bytes)
    headers = {k.lower(): v for k, v in request.headers.items()}
    if request.method == "POST" and "method" in query:
        return _alternate(query, headers, body, version_required)
    return XRequest(request.method, query, headers, body,
                    negotiate_version(headers.get("x-experience-api-version"), required=version_required))


def _alternate(query: dict[str, str], headers: dict[str, str], body: bytes, version_required: bool) -> XRequest:
    method = query.pop("method")
    if query:
        raise BadRequest("alternate request syntax: only `method` may be in the query string, "
                         f"got {', '.join(sorted(query))}")
    if method not in METHODS - {"HEAD"}:
        raise BadRequest("alternate request syntax: method must be GET, PUT, POST or DELETE")
    if headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise BadRequest("alternate request syntax: Content-Type must be application/x-www-form-urlencoded")
    try:
        fields = _single(parse_qsl(body.decode("utf-8"), keep_blank_values=True), "form field")
    except UnicodeDecodeError:
        raise BadRequest("alternate request syntax: the form is not UTF-8") from None
    form_headers = {k.lower(): v for k, v in fields.items() if k.lower() in HEADER_FIELDS}
    params = {k: v for k, v in fields.items() if k.lower() not in HEADER_FIELDS and k != "content"}
    version = negotiate_version(form_headers.get("x-experience-api-version")
                                or headers.get("x-experience-api-version"), required=version_required)
    if version == V2:
        raise BadRequest("alternate request syntax is not part of xAPI 2.0")
    merged = {k: v for k, v in headers.items() if k not in ("content-type", "content-length")}
    merged["content-type"] = "application/json"  # the form's `content` is JSON unless a Content-Type field says not
    merged.update(form_headers)
    return XRequest(method, params, merged, fields.get("content", "").encode("utf-8"), version, alternate=True)


def check_params(req: XRequest, allowed: set[str], required: tuple[str, ...] = ()) -> None:
    """Unknown parameters are a 400 (xAPI: reject parameters not recognized in their context)."""
    unknown = sorted(set(req.params) - allowed)
    if unknown:
        raise BadRequest(f"unknown parameter(s) for {req.method}: {', '.join(unknown)}")
    for name in required:
        if name not in req.params:
            raise BadRequest(f"parameter {name!r} is required")


def bool_param(req: XRequest, name: str) -> bool:
    value = req.params.get(name, "false")
    if value not in ("true", "false"):
        raise BadRequest(f"{name}: must be true or false")
    return value == "true"
