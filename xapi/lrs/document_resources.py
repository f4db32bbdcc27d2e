"""activities/state, activities/profile, agents/profile, and the activities / agents lookups."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response
from sqlalchemy.orm import Session

from xapi import documents, service
from xapi.clock import http_date, to_us
from xapi.errors import BadRequest, InvalidStatement, NotFound
from xapi.identity import agent_key
from xapi.jsontext import loads
from xapi.lrs.context import json_response
from xapi.lrs.xrequest import V1, V2, XRequest, check_params
from xapi.validation import AGENT_IFIS, check_identifier_length, check_iri, check_uuid, parse_timestamp

RESOURCES = {
    # kind: (id parameter, needs activityId, needs agent, allows registration)
    "state": ("stateId", True, True, True),
    "activity_profile": ("profileId", True, False, False),
    "agent_profile": ("profileId", False, True, False),
}


@dataclass(frozen=True)
class Target:
    key: documents.DocumentKey
    doc_id: str | None
    since: int | None
    id_param: str


def _target(kind: str, req: XRequest) -> Target:
    id_param, needs_activity, needs_agent, registration = RESOURCES[kind]
    allowed = {id_param, "since"} | ({"activityId"} if needs_activity else set()) | (
        {"agent"} if needs_agent else set()) | ({"registration"} if registration else set())
    required = tuple(n for n, needed in (("activityId", needs_activity), ("agent", needs_agent)) if needed)
    check_params(req, allowed, required)
    try:
        activity = check_iri(req.params["activityId"], "activityId") if needs_activity else ""
        agent = agent_key(service.parse_agent_param(req.params["agent"])) if needs_agent else ""
        reg = check_uuid(req.params["registration"], "registration").lower() if "registration" in req.params else ""
        since = to_us(parse_timestamp(req.params["since"], "since")) if "since" in req.params else None
    except InvalidStatement as exc:
        raise BadRequest(str(exc)) from None
    doc_id = req.params.get(id_param)
    if doc_id is not None:
        _check_document_id(doc_id, id_param)
    if doc_id is not None and since is not None:
        raise BadRequest(f"give {id_param} or since, not both")
    return Target(documents.DocumentKey(kind, activity, agent, reg), doc_id, since, id_param)


def _check_document_id(doc_id: str, name: str) -> None:
    """Any text, but no NUL (PostgreSQL text cannot hold it) and not longer than an index key may be."""
    try:
        if "\x00" in doc_id:
            raise InvalidStatement(f"{name}: must not contain NUL characters")
        check_identifier_length(doc_id, name)
    except InvalidStatement as exc:
        raise BadRequest(str(exc)) from None


def handle(kind: str, session: Session, req: XRequest) -> Response:
    target = _target(kind, req)
    # xAPI 1.0.3 Communication 3.1: clients MUST send If-Match or If-None-Match when they PUT a profile, and
    # ADL's 1.0.3 suite wants a 400 when a new one comes without (suite issue #158); 2.0 dropped that rule
    pre = documents.Preconditions(req.headers.get("if-match"), req.headers.get("if-none-match"),
                                  require_for_overwrite=kind != "state" or req.version == V2,
                                  require_for_create=kind != "state" and req.version == V1)
    if req.method in ("GET", "HEAD"):
        if target.doc_id is None:
            return json_response(documents.list_ids(session, target.key, target.since))
        found = documents.get(session, target.key, target.doc_id)
        if found is None:
            raise NotFound(f"no document {target.doc_id!r} here")
        response = Response(found.content, content_type=found.content_type)
        response.headers["ETag"] = f'"{found.etag}"'
        response.headers["Last-Modified"] = http_date(found.updated_us)
        return response
    if req.method == "DELETE":
        if target.doc_id is None and kind != "state":
            raise BadRequest(f"parameter {target.id_param!r} is required")
        documents.remove(session, target.key, target.doc_id, pre)
        return Response(status=204)
    if target.doc_id is None:
        raise BadRequest(f"parameter {target.id_param!r} is required")
    if target.since is not None:
        raise BadRequest("since is only for GET")
    content_type = req.content_type or "application/octet-stream"
    if documents.is_json(content_type):
        loads(req.body, "document declared application/json")
    saved = documents.put(session, target.key, target.doc_id, content_type, req.body, pre,
                          merge=req.method == "POST")
    response = Response(status=204)
    response.headers["ETag"] = f'"{saved.etag}"'
    response.headers["Last-Modified"] = http_date(saved.updated_us)
    return response


def activities(session: Session, req: XRequest) -> Response:
    check_params(req, {"activityId"}, ("activityId",))
    try:
        activity_id = check_iri(req.params["activityId"], "activityId")
    except InvalidStatement as exc:
        raise BadRequest(str(exc)) from None
    return json_response(service.activity_object(session, activity_id))


def agents(req: XRequest) -> Response:
    """The Person object: every identifier known for the agent (here: those in the query) as arrays."""
    check_params(req, {"agent"}, ("agent",))
    agent = service.parse_agent_param(req.params["agent"])
    person: dict = {"objectType": "Person"}
    if "name" in agent:
        person["name"] = [agent["name"]]
    for ifi in AGENT_IFIS:
        if ifi in agent:
            person[ifi] = [agent[ifi]]
    return json_response(person)
