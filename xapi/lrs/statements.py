"""The Statement resource: PUT, POST, GET (single, voided, queries with paging), attachments and signatures."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response
from sqlalchemy.orm import Session
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from xapi import service
from xapi.clock import http_date, iso, to_us
from xapi.errors import BadRequest, Forbidden, InvalidStatement, NotFound, PayloadTooLarge
from xapi.identity import agent_key
from xapi.jsontext import loads
from xapi.lrs import multipart
from xapi.lrs.context import LrsContext, json_response
from xapi.lrs.formats import render
from xapi.lrs.xrequest import XRequest, bool_param, check_params
from xapi.lrs.signature import signature_attachments, verify
from xapi.validation import check_iri, check_uuid, parse_timestamp

QUERY_PARAMS = {"agent", "verb", "activity", "registration", "related_activities", "related_agents", "since",
                "until", "limit", "format", "attachments", "ascending", "cursor"}
SINGLE_PARAMS = {"statementId", "voidedStatementId", "format", "attachments"}


def read_statements(req: XRequest) -> tuple[list[dict], dict[str, tuple[str, bytes]], bool]:
    """(statements, attachments by sha2, sent as one object) from a JSON or multipart/mixed body."""
    attachments: dict[str, tuple[str, bytes]] = {}
    if req.media_type == "application/json":
        value = loads(req.body, "statement")
    elif req.media_type == "multipart/mixed":
        parts = multipart.parse(req.content_type, req.body)
        if not parts or parts[0].headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise BadRequest("multipart/mixed: the first part must be application/json statements")
        value = loads(parts[0].content, "statement")
        for part in parts[1:]:
            sha2 = part.headers.get("x-experience-api-hash")
            if not sha2:
                raise BadRequest("multipart/mixed: an attachment part has no X-Experience-API-Hash header")
            if part.headers.get("content-transfer-encoding", "").lower() != "binary":
                raise BadRequest("multipart/mixed: attachment parts need Content-Transfer-Encoding: binary")
            if multipart.digest(part.content, sha2) != sha2.lower():
                raise BadRequest(f"multipart/mixed: part {sha2} does not match its SHA-2 hash")
            attachments[sha2.lower()] = (part.headers.get("content-type", "application/octet-stream"),
                                         part.content)
    else:
        raise BadRequest("statements must be sent as application/json or multipart/mixed")
    single = isinstance(value, dict)
    statements = [value] if single else value
    return statements, attachments, single


def check_attachments(statements: list[dict], attachments: dict[str, tuple[str, bytes]]) -> None:
    declared = set()
    for i, statement in enumerate(statements):
        path = "statement" if len(statements) == 1 else f"statements[{i}]"
        for j, item in enumerate(statement.get("attachments", [])):
            sha2 = item["sha2"].lower()
            declared.add(sha2)
            if sha2 not in attachments and "fileUrl" not in item:
                raise BadRequest(f"{path}.attachments[{j}]: no fileUrl and no multipart part with hash {sha2}")
        for item in signature_attachments(statement):
            if item["contentType"].split(";")[0].strip() != "application/octet-stream":
                raise InvalidStatement(f"{path}.attachments: a signature's contentType must be "
                                       "application/octet-stream")
            if item["sha2"].lower() not in attachments:
                raise BadRequest(f"{path}.attachments: the signature must be sent as a multipart part")
            verify(statement, attachments[item["sha2"].lower()][1], f"{path}.attachments")
    extra = set(attachments) - declared
    if extra:
        raise BadRequest(f"multipart/mixed: part(s) {', '.join(sorted(extra))} match no declared attachment")


def store(session: Session, req: XRequest, authority: dict,
          statement_id: str | None = None, *, max_statements: int | None = None) -> list[str]:
    statements, attachments, single = read_statements(req)
    if max_statements is not None and isinstance(statements, list) and len(statements) > max_statements:
        raise PayloadTooLarge(f"{len(statements)} statements in one request; this LRS takes at most "
                              f"{max_statements} per POST: send them in smaller batches",
                              limit=max_statements, unit="statements")
    if statement_id is not None:
        if not single:
            raise BadRequest("PUT statements takes one statement object")
        if "id" in statements[0] and str(statements[0]["id"]).lower() != statement_id.lower():
            raise BadRequest("statement.id differs from the statementId parameter")
        statements[0] = {**statements[0], "id": statement_id.lower()} if isinstance(statements[0], dict) \
            else statements[0]
    service.validate_statements(statements, req.version)
    check_attachments(statements, attachments)
    return service.store_statements(session, statements, authority=authority, version=req.version,
                                    attachments=attachments, validate=False)


def put(session: Session, req: XRequest, authority: dict) -> Response:
    check_params(req, {"statementId"}, ("statementId",))
    check_uuid(req.params["statementId"], "statementId")
    store(session, req, authority, req.params["statementId"])
    return Response(status=204)


def post(session: Session, req: XRequest, authority: dict, *, max_statements: int) -> Response:
    check_params(req, set())
    return json_response(store(session, req, authority, max_statements=max_statements))


def _query(req: XRequest, mine: str | None) -> service.StatementQuery:
    p = req.params
    query = service.StatementQuery(authority=mine)
    try:
        if "agent" in p:
            query.agent = agent_key(service.parse_agent_param(p["agent"]))
        if "verb" in p:
            query.verb = check_iri(p["verb"], "verb")
        if "activity" in p:
            query.activity = check_iri(p["activity"], "activity")
        if "registration" in p:
            query.registration = check_uuid(p["registration"], "registration")
        if "since" in p:
            query.since_us = to_us(parse_timestamp(p["since"], "since"))
        if "until" in p:
            query.until_us = to_us(parse_timestamp(p["until"], "until"))
    except InvalidStatement as exc:
        raise BadRequest(str(exc)) from None
    query.related_activities = bool_param(req, "related_activities")
    query.related_agents = bool_param(req, "related_agents")
    query.ascending = bool_param(req, "ascending")
    for name in ("limit", "cursor"):
        if name in p:
            if not p[name].isdigit():
                raise BadRequest(f"{name}: must be a non-negative integer")
            setattr(query, "limit" if name == "limit" else "after_seq", int(p[name]))
    return query


def _format(req: XRequest) -> str:
    fmt = req.params.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        raise BadRequest("format: must be exact, ids or canonical")
    return fmt


def get(ctx: LrsContext, session: Session, req: XRequest, mine: str | None) -> Response:
    fmt = _format(req)
    with_attachments = bool_param(req, "attachments")
    languages = parse_accept_header(req.headers.get("accept-language"), LanguageAccept)
    through = service.consistent_through(session)
    if "statementId" in req.params or "voidedStatementId" in req.params:
        check_params(req, SINGLE_PARAMS)
        if "statementId" in req.params and "voidedStatementId" in req.params:
            raise BadRequest("give statementId or voidedStatementId, not both")
        voided = "voidedStatementId" in req.params
        sid = req.params["voidedStatementId" if voided else "statementId"]
        try:
            check_uuid(sid, "voidedStatementId" if voided else "statementId")
        except InvalidStatement as exc:
            raise BadRequest(str(exc)) from None
        found = service.get_statement(session, sid, voided=voided)
        if found is None:
            raise NotFound(f"no {'voided ' if voided else ''}statement with id {sid}")
        if mine and agent_key(found["authority"]) != mine:
            raise Forbidden("this client may read only the statements it sent")
        statements = [found]
        rendered = render(found, fmt, languages)
        modified = to_us(parse_timestamp(found["stored"], "stored"))
    else:
        check_params(req, QUERY_PARAMS)
        query = _query(req, mine)
        page = service.query_statements(session, query, max_limit=ctx.max_limit)
        statements = page.statements
        more = ""
        if page.more:
            params = {k: v for k, v in req.params.items() if k != "cursor"}
            params["cursor"] = str(page.last_seq)
            more = ctx.statements_path + "?" + urlencode(params)
        rendered = {"statements": [render(s, fmt, languages) for s in statements], "more": more}
        modified = through
    if with_attachments:
        hashes = [a["sha2"].lower() for s in statements for a in s.get("attachments", [])]
        content_type, payload = multipart.build(json.dumps(rendered).encode(),
                                                service.attachment_content(session, hashes))
        response = Response(payload, content_type=content_type)
    else:
        response = json_response(rendered)
    response.headers["X-Experience-API-Consistent-Through"] = iso(through)
    response.headers["Last-Modified"] = http_date(modified)
    return response

