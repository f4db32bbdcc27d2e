"""The embedded LRS as a Flask blueprint any app can mount (xAPI 1.0.3 and 2.0, by X-Experience-API-Version).

Each request becomes an XRequest (plain or alternate syntax), is authenticated (HTTP Basic, scoped clients),
handled in one transaction, and answered with the version and CORS headers; xapi.errors become 4xx JSON here.
"""
from __future__ import annotations

import base64
import binascii
import hmac
from typing import Callable

from flask import Blueprint, Response, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from xapi import clients, service
from xapi.clients import Client
from xapi.clock import iso
from xapi.errors import Forbidden, PayloadTooLarge, Unauthorized, XAPIError
from xapi.identity import agent_key
from xapi.lrs import document_resources, statements
from xapi.lrs.context import LrsContext, json_response
from xapi.lrs.xrequest import V1, V2, XRequest, from_flask, negotiate_version

ALLOWED_HEADERS = ("Content-Type, Content-Length, Authorization, If-Match, If-None-Match, Accept-Language, "
                   "X-Experience-API-Version, X-Experience-API-Consistent-Through, X-Requested-With")
EXPOSED_HEADERS = ("ETag, Last-Modified, Cache-Control, Content-Type, Content-Length, WWW-Authenticate, "
                   "X-Experience-API-Version, X-Experience-API-Consistent-Through")
PROGRAM_LIMIT_EXCEEDED = "54000"  # PostgreSQL: e.g. an index entry beyond a B-tree page's third
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"]

# resource path -> (scopes to read, scopes to write)
SCOPES = {
    "statements": (("statements/read", "statements/read/mine", "all/read"), ("statements/write",)),
    "activities/state": (("state", "all/read"), ("state",)),
    "activities/profile": (("profile", "all/read"), ("profile",)),
    "agents/profile": (("profile", "all/read"), ("profile",)),
    "activities": (("all/read", "profile", "state", "statements/read"), ()),
    "agents": (("all/read", "profile", "state", "statements/read"), ()),
}


def create_blueprint(sessions: sessionmaker, *, authority_home: str, url_prefix: str = "/xapi",
                     seed_key: str = "", seed_secret: str = "", max_limit: int = 500,
                     max_body_bytes: int = 16 * 1024 * 1024, max_statements: int = 1000) -> Blueprint:
    """Blueprint serving the xAPI resources under `url_prefix`; `authority_home` is the homePage of the
    account in each statement's authority (the LRS's own base URL). A request body over `max_body_bytes`, or
    a POST of more than `max_statements` statements, is refused with 413 before any of it is validated or stored
    (one huge batch would hold a web worker for seconds)."""
    ctx = LrsContext(sessions=sessions, authority_home=authority_home, statements_path=f"{url_prefix}/statements",
                     max_limit=max_limit, max_body_bytes=max_body_bytes, max_statements=max_statements,
                     seed_key=seed_key, seed_secret=seed_secret)
    bp = Blueprint("xapi_lrs", __name__, url_prefix=url_prefix)

    @bp.after_request
    def _headers(response: Response) -> Response:
        # Any origin may call with an explicit Authorization header; no Allow-Credentials, so a hostile page
        # cannot ride on Basic credentials a browser has cached for this LRS.
        response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin") or "*"
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Methods"] = ", ".join(METHODS)
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        # A request without a usable X-Experience-API-Version is answered as 1.0.3: every 1.0.x and 2.0 client
        # accepts that value on the 400 it gets (ADL's 1.0.3 conformance suite rejects "2.0.0" there).
        response.headers.setdefault("X-Experience-API-Version", request.environ.get("xapi.version", V1))
        response.headers.setdefault("Cache-Control", "no-cache")
        return response

    @bp.route("/about", methods=METHODS)
    def about() -> Response:
        if request.method == "OPTIONS":
            return Response(status=204)
        if request.method not in ("GET", "HEAD"):
            return _error(405, "about supports GET only")
        asked = V2
        if request.headers.get("X-Experience-API-Version"):
            try:
                asked = request.environ["xapi.version"] = negotiate_version(
                    request.headers["X-Experience-API-Version"], required=False)
            except XAPIError:
                pass
        # a 1.0.x client is told only the 1.0.x versions (1.0.x clients such as tincan reject "2.0.0" here)
        versions = ["1.0.0", "1.0.1", "1.0.2", V1] if asked == V1 else [V1, V2]
        return json_response({"version": versions, "extensions": {}})

    def resource(path: str, handler: Callable[[Session, XRequest, Client], Response]) -> None:
        def view() -> Response:
            if request.method == "OPTIONS":
                return Response(status=204)
            try:
                req = from_flask(request, max_bytes=ctx.max_body_bytes)
                request.environ["xapi.version"] = req.version
                client = _authenticate(ctx, req)
                read_scopes, write_scopes = SCOPES[path]
                writing = req.method in ("PUT", "POST", "DELETE")
                if writing and not write_scopes:
                    return _error(405, f"{path} is read-only")
                if not client.allows(*(write_scopes if writing else read_scopes)):
                    raise Forbidden(f"client {client.name!r} has no scope to {'write' if writing else 'read'} "
                                    f"{path}")
                return _in_transaction(ctx, lambda session: handler(session, req, client))
            except PayloadTooLarge as exc:
                return json_response({"error": "Payload Too Large", "message": str(exc), "limit": exc.limit,
                                      "unit": exc.unit}, 413)
            except XAPIError as exc:
                response = _error(exc.status, str(exc))
                if path == "statements" and request.method in ("GET", "HEAD"):
                    # "regardless of the code returned" (xAPI 1.0.3 and 2.0, GET statements)
                    with ctx.sessions() as session:
                        response.headers["X-Experience-API-Consistent-Through"] = iso(
                            service.consistent_through(session))
                return response
        bp.add_url_rule(f"/{path}", endpoint=path.replace("/", "_"), view_func=view, methods=METHODS)

    def statements_view(session: Session, req: XRequest, client: Client) -> Response:
        authority = client.authority(ctx.authority_home)
        if req.method in ("GET", "HEAD"):
            mine = None
            if not client.allows("statements/read", "all/read"):
                mine = agent_key(authority)
            return statements.get(ctx, session, req, mine)
        if req.method == "PUT":
            return statements.put(session, req, authority)
        if req.method == "POST":
            return statements.post(session, req, authority, max_statements=ctx.max_statements)
        return _error(405, "statements cannot be deleted; void them")

    resource("statements", statements_view)
    for path, kind in (("activities/state", "state"), ("activities/profile", "activity_profile"),
                       ("agents/profile", "agent_profile")):
        resource(path, lambda session, req, _client, kind=kind: document_resources.handle(kind, session, req))
    resource("activities", lambda session, req, _client: document_resources.activities(session, req))
    resource("agents", lambda session, req, _client: document_resources.agents(req))
    return bp


def _in_transaction(ctx: LrsContext, work: Callable[[Session], Response]) -> Response:
    """Run in one transaction; a unique-key race (two writers, same new id) is retried once, bad bytes are 400."""
    for attempt in range(2):
        try:
            with ctx.sessions() as session, session.begin():
                return work(session)
        except IntegrityError:
            if attempt:
                raise
        except (DataError, UnicodeEncodeError) as exc:
            return _error(400, f"the database cannot store this value: {str(exc).splitlines()[0][:200]}")
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != PROGRAM_LIMIT_EXCEEDED:
                raise
            return _error(400, "the identifiers of this request (activityId, agent, document id...) are too long "
                               "together to be indexed; use shorter ones")
    raise AssertionError("unreachable")


def _authenticate(ctx: LrsContext, req: XRequest) -> Client:
    header = req.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        raise Unauthorized("HTTP Basic authentication is required")
    try:
        key, colon, secret = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("malformed Basic credentials") from None
    if not colon:
        raise Unauthorized("malformed Basic credentials")
    seed = bool(ctx.seed_key and ctx.seed_secret and hmac.compare_digest(key.encode(), ctx.seed_key.encode())
                and hmac.compare_digest(secret.encode(), ctx.seed_secret.encode()))
    with ctx.sessions() as session:
        if seed and not clients.is_disabled(session, key):  # `mirco lrs clients disable` revokes the seed too
            return Client("seed", key, frozenset({"all"}))
        client = clients.authenticate(session, key, secret)
    if client is None:
        raise Unauthorized("unknown key or wrong secret")
    return client


def _error(status: int, message: str) -> Response:
    """Errors are plain text (as in ADL's LRS): clients such as axios-based ones show the message as is."""
    response = Response(message, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="xAPI"'
    return response
