"""The one way statements get in and out of the embedded LRS, inside the caller's transaction.

`store_statements` validates, completes (id, stored, authority, version, timestamp), inserts, indexes and voids;
it never commits, so the tool can update progress, store statements and queue AGS scores atomically.
Forwarding needs no extra write here: the statement log is the outbox (see xapi.forwarder).
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import and_, func, literal, select, text, update
from sqlalchemy.orm import Session

from xapi import storage
from xapi.bulk import copy_rows, insert_new_keys, one_of, writer_position
from xapi.clock import iso, now_us, to_us
from xapi.errors import BadRequest, Conflict, InvalidStatement
from xapi.jsontext import loads
from xapi.identity import agent_key
from xapi.validation import AGENT_IFIS, Validator, parse_timestamp
from xapi.vocabulary import Verb

WRITER_LOCK_KEY = 0x4C525331  # "LRS1": PostgreSQL advisory lock that orders statement commits
LRS_FIELDS = ("id", "stored", "authority", "version")
STATEMENT_COLUMNS = ("seq", "id", "actor_key", "verb_id", "object_activity", "object_ref", "registration", "stored_us",
                     "timestamp_us", "voided", "authority_key", "version", "has_attachments", "body")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def default_authority(name: str = "MIRCO Learning Suite", home_page: str = "https://mirco.invalid") -> dict:
    return {"objectType": "Agent", "name": name, "account": {"homePage": home_page, "name": "mirco"}}


def _serialize_writers(session: Session) -> None:
    """Make stored order equal commit order: PostgreSQL advisory lock, SQLite BEGIN IMMEDIATE.

    Holding one lock for the short insert means no deadlock is possible between statement writers, and a reader
    paging by `seq` never sees a lower seq commit after a higher one.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")


def _with_array_context(body: dict) -> dict:
    """contextActivities values as arrays (the LRS returns a single Activity as a one-item array), also in a
    SubStatement; registration in lower case."""
    context = body.get("context")
    if isinstance(context, dict):
        context = dict(context)
        if isinstance(context.get("contextActivities"), dict):
            context["contextActivities"] = {k: v if isinstance(v, list) else [v]
                                            for k, v in context["contextActivities"].items()}
        if "registration" in context:
            context["registration"] = context["registration"].lower()
        body = {**body, "context": context}
    obj = body.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement" and "context" in obj:
        body = {**body, "object": _with_array_context(obj)}
    return body


_SECONDS = re.compile(r"(\d+)[.,](\d+)S$")


def _centiseconds(duration: Any) -> Any:
    """A Duration as compared (xAPI 1.0.3 4.6, IEEE 9274.1.1 4.2.7): seconds beyond 0.01 s do not count."""
    match = _SECONDS.search(duration) if isinstance(duration, str) else None
    if match is None:
        return duration
    fraction = match.group(2)[:2].rstrip("0")
    return f"{duration[:match.start()]}{match.group(1)}{'.' + fraction if fraction else ''}S"


def _with_compared_duration(body: dict) -> dict:
    result = body.get("result")
    if isinstance(result, dict) and "duration" in result:
        body = {**body, "result": {**result, "duration": _centiseconds(result["duration"])}}
    obj = body.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        body = {**body, "object": _with_compared_duration(obj)}
    return body


def comparable(statement: dict) -> dict:
    """The statement without what the LRS sets, for the same-id-same-content rule and signature checks:
    timestamps as instants, durations to 0.01 s."""
    body = {k: v for k, v in _with_compared_duration(_with_array_context(statement)).items()
            if k not in LRS_FIELDS}
    if "timestamp" in body:
        body["timestamp"] = to_us(parse_timestamp(body["timestamp"], "timestamp"))
    return body


def same_content(stored: dict, incoming: dict) -> bool:
    left, right = comparable(stored), comparable(incoming)
    if "timestamp" not in right:
        left.pop("timestamp", None)
    return left == right


@dataclass
class _Indexed:
    rows: dict[tuple[str, str], bool] = field(default_factory=dict)

    def add(self, kind: str, value: str, direct: bool) -> None:
        self.rows[(kind, value)] = self.rows.get((kind, value), False) or direct

    def agent(self, agent: dict | None, direct: bool) -> None:
        if not agent:
            return
        if not agent.keys().isdisjoint(AGENT_IFIS):
            self.add("agent", agent_key(agent), direct)
        for member in agent.get("member", []):
            self.add("agent", agent_key(member), False)

    def object(self, obj: dict, direct: bool) -> None:
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            self.add("activity", obj["id"], direct)
        elif kind in ("Agent", "Group"):
            self.agent(obj, direct)

    def activities(self, context: dict | None) -> None:
        for items in (context or {}).get("contextActivities", {}).values():
            for item in items if isinstance(items, list) else [items]:
                self.add("activity", item["id"], False)

    def context_agents(self, context: dict | None) -> None:
        context = context or {}
        self.agent(context.get("instructor"), False)
        self.agent(context.get("team"), False)
        for item in context.get("contextAgents", []):
            self.agent(item["agent"], False)
        for item in context.get("contextGroups", []):
            self.agent(item["group"], False)


def _index_rows(statement: dict) -> _Indexed:
    indexed = _Indexed()
    indexed.agent(statement["actor"], True)
    indexed.add("verb", statement["verb"]["id"], True)
    obj = statement["object"]
    indexed.object(obj, True)
    if obj.get("objectType") == "SubStatement":
        indexed.agent(obj["actor"], False)
        indexed.object(obj["object"], False)
        indexed.activities(obj.get("context"))
        indexed.context_agents(obj.get("context"))
    context = statement.get("context") or {}
    if "registration" in context:
        indexed.add("registration", context["registration"].lower(), True)
    indexed.activities(context)
    indexed.context_agents(context)
    indexed.agent(statement.get("authority"), False)
    return indexed


def _definitions(statement: dict) -> Iterable[tuple[str, dict]]:
    """(activity id, definition) for every activity in the statement that carries a definition."""
    def walk(body: dict) -> Iterable[tuple[str, dict]]:
        obj = body["object"]
        if obj.get("objectType", "Activity") == "Activity" and "definition" in obj:
            yield obj["id"], obj["definition"]
        if obj.get("objectType") == "SubStatement":
            yield from walk(obj)
        for items in (body.get("context") or {}).get("contextActivities", {}).values():
            for item in items if isinstance(items, list) else [items]:
                if "definition" in item:
                    yield item["id"], item["definition"]
    return walk(statement)


def prepare(statement: dict, *, authority: dict, version: str, stored: str | None) -> dict:
    """A copy completed the way the LRS stores it: id, stored (`clock.iso`), authority, version, timestamp.

    With `stored=None`, `stored` and the `timestamp` that defaults to it are left for the writer to add.
    """
    out = dict(_with_array_context(statement))  # shallow copy: nested objects are shared, never modified
    out["id"] = out["id"].lower() if "id" in out else str(uuid.uuid4())
    out["authority"] = authority
    out.setdefault("version", "2.0.0" if version.startswith("2.") else "1.0.0")  # a sent version is kept
    if version.startswith("2."):
        if "timestamp" in out:
            out["timestamp"] = iso(to_us(parse_timestamp(out["timestamp"], "statement.timestamp")))
    out.pop("stored", None)  # a sent `stored` is replaced by the LRS's own
    if stored is not None:
        out["stored"] = stored
        out.setdefault("timestamp", stored)
    return out


def validate_statements(statements: list[dict], version: str = "1.0.3") -> None:
    """Raise InvalidStatement for the first broken rule, naming `statement` or `statements[i]` and the field."""
    if not isinstance(statements, list) or not statements:
        raise InvalidStatement("statements: must be a statement object or a non-empty array of statements")
    validator = Validator(version)
    single = len(statements) == 1
    ids: set[str] = set()
    for i, item in enumerate(statements):
        path = "statement" if single else f"statements[{i}]"
        validator.statement(item, path)
        if "id" in item:
            if item["id"].lower() in ids:
                raise InvalidStatement(f"{path}.id: appears twice in the same batch")
            ids.add(item["id"].lower())


def store_statements(session: Session, statements: list[dict], *, authority: dict | None = None,
                     version: str = "1.0.3", attachments: dict[str, tuple[str, bytes]] | None = None,
                     validate: bool = True) -> list[str]:
    """Validate and insert statements in the caller's transaction; return their ids in order.

    A statement whose id is already stored with the same content is accepted again without change;
    the same id with other content raises Conflict. `attachments` maps sha2 -> (content type, bytes).
    Statements are drafted (JSON, index rows, definitions) before the writer lock, so concurrent writers
    wait for each other only for the SQL.
    """
    if validate:
        validate_statements(statements, version)
    authority = authority or default_authority()
    digests: dict[str, str] = {}
    drafts = [_draft(prepare(s, authority=authority, version=version, stored=None), digests)
              for s in statements]
    ids = [d.statement["id"] for d in drafts]
    _serialize_writers(session)
    last_stored_us, seqs, existing = writer_position(session, storage.statement, ids)
    new = []
    for draft, original in zip(drafts, statements):
        statement_id = draft.statement["id"]
        if statement_id in existing:
            if not same_content(json.loads(existing[statement_id]), original):
                raise Conflict(f"statement {statement_id} is already stored with different content")
            continue
        new.append(draft)
    if new:
        _insert_new(session, new, seqs, max(now_us(), last_stored_us + 1), attachments or {})
    return ids


@dataclass
class _Draft:
    """A statement as stored but for its `stored` time (and the `timestamp` that defaults to it)."""

    statement: dict
    body: str
    indexed: _Indexed
    definitions: list[tuple[str, str, str]]  # (activity id, sha256 digest, definition JSON)
    timestamp_us: int | None  # None: the stored time


def _draft(statement: dict, digests: dict[str, str]) -> _Draft:
    """`digests` (definition JSON -> sha256) is shared by the batch: a definition repeated in it is hashed once.
    Keyed by the JSON text, not by dict equality, under which `true` and `1` would be the same definition."""
    definitions = []
    for activity_id, definition in _definitions(statement):
        text_ = dumps(definition)
        digest = digests.get(text_)
        if digest is None:
            digest = digests[text_] = hashlib.sha256(text_.encode()).hexdigest()
        definitions.append((activity_id, digest, text_))
    timestamp = statement.get("timestamp")
    return _Draft(statement, dumps(statement), _index_rows(statement), definitions,
                  None if timestamp is None else to_us(parse_timestamp(timestamp, "timestamp")))


def _stored_body(draft: _Draft, stored: str) -> str:
    """The draft's JSON (an object) with `stored`, and `timestamp` when the LRS sets it, appended."""
    added = f',"stored":"{stored}"' + ("" if draft.timestamp_us is not None else f',"timestamp":"{stored}"')
    return draft.body[:-1] + added + "}"


def _insert_new(session: Session, new: list[_Draft], seqs: list[int], stored_us: int,
                attachments: dict[str, tuple[str, bytes]]) -> None:
    st = storage.statement
    refs = {d.statement["object"]["id"].lower() for d in new
            if d.statement["object"].get("objectType") == "StatementRef"}
    inherited: dict[str, list[tuple[str, str, bool]]] = {}
    voidable: set[str] = set()
    if refs:
        rows = session.execute(
            select(st.c.id, st.c.verb_id, storage.statement_index.c.kind, storage.statement_index.c.value,
                   storage.statement_index.c.direct)
            .join(storage.statement_index, storage.statement_index.c.statement_seq == st.c.seq)
            .where(one_of(session.connection(), st.c.id, sorted(refs))))
        for row in rows:
            inherited.setdefault(row.id, []).append((row.kind, row.value, row.direct))
            if row.verb_id != Verb.VOIDED:
                voidable.add(row.id)
    batch_by_id = {d.statement["id"]: d.statement for d in new}
    voided_now: set[str] = set()
    for s in batch_by_id.values():
        if s["verb"]["id"] == Verb.VOIDED:
            target = s["object"]["id"].lower()
            if target in batch_by_id and batch_by_id[target]["verb"]["id"] != Verb.VOIDED:
                voided_now.add(target)
            elif target in voidable:
                voided_now.add(target)
    stored = iso(stored_us)
    rows, index_rows = [], []
    authority_key = agent_key(new[0].statement["authority"])  # one authority per batch
    definitions: dict[tuple[str, str], tuple[str, str, int, str]] = {}
    for seq, draft in zip(seqs, new):
        s = draft.statement
        obj = s["object"]
        kind = obj.get("objectType", "Activity")
        rows.append((
            seq, s["id"], agent_key(s["actor"]), s["verb"]["id"], obj["id"] if kind == "Activity" else None,
            obj["id"].lower() if kind == "StatementRef" else None, (s.get("context") or {}).get("registration"),
            stored_us, stored_us if draft.timestamp_us is None else draft.timestamp_us, s["id"] in voided_now,
            authority_key, s["version"], bool(s.get("attachments")), _stored_body(draft, stored)))
        indexed = draft.indexed
        if kind == "StatementRef":
            for ref_kind, value, direct in inherited.get(obj["id"].lower(), []):
                indexed.add(ref_kind, value, direct)
        index_rows.extend((k, v, seq, d) for (k, v), d in indexed.rows.items())
        for activity_id, digest, text_ in draft.definitions:
            definitions.setdefault((activity_id, digest), (activity_id, digest, seq, text_))
    copy_rows(session, st, STATEMENT_COLUMNS, rows)
    copy_rows(session, storage.statement_index, ("kind", "value", "statement_seq", "direct"), index_rows)
    insert_new_keys(session, storage.activity_definition, ("activity_id", "digest", "first_seq", "definition"),
                    [definitions[k] for k in sorted(definitions)])
    insert_new_keys(session, storage.attachment, ("sha2", "content_type", "content"),
                    [(sha, *attachments[sha]) for sha in sorted(attachments)])
    stored_targets = sorted(voided_now - set(batch_by_id))
    if stored_targets:
        session.execute(update(st).where(one_of(session.connection(), st.c.id, stored_targets)).values(voided=True))


# --- reading -----------------------------------------------------------------------------------------------
@dataclass
class StatementQuery:
    """Filters of GET statements; `agent` is an identity key (xapi.identity.agent_key)."""

    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since_us: int | None = None
    until_us: int | None = None
    limit: int = 0
    ascending: bool = False
    after_seq: int | None = None
    authority: str | None = None


@dataclass
class StatementPage:
    statements: list[dict]
    last_seq: int | None
    more: bool


def query_statements(session: Session, query: StatementQuery, *, max_limit: int = 500) -> StatementPage:
    """One page of non-voided statements matching the filters, newest first unless `ascending`.

    Statements that reference (StatementRef) a matching statement match too: their index rows carry the
    target's agents, verb, activities and registration (xAPI 1.0.3 "Filter Conditions for StatementRefs").
    """
    st, ix = storage.statement, storage.statement_index
    filters = []  # most selective first: the first one drives the index scan, the others are EXISTS probes
    if query.registration:
        filters.append(("registration", query.registration.lower(), False))
    if query.agent:
        filters.append(("agent", query.agent, not query.related_agents))
    if query.activity:
        filters.append(("activity", query.activity, not query.related_activities))
    if query.verb:
        filters.append(("verb", query.verb, False))
    seq_col = st.c.seq
    stmt = select(st.c.seq, st.c.body)
    if filters:
        kind, value, direct = filters[0]
        driver = ix.alias("driver")
        stmt = stmt.select_from(driver.join(st, st.c.seq == driver.c.statement_seq)).where(
            driver.c.kind == kind, driver.c.value == value)
        if direct:
            stmt = stmt.where(driver.c.direct.is_(True))
        seq_col = driver.c.statement_seq
        for kind, value, direct in filters[1:]:
            other = ix.alias()
            condition = and_(other.c.statement_seq == st.c.seq, other.c.kind == kind, other.c.value == value)
            if direct:
                condition = and_(condition, other.c.direct.is_(True))
            # OFFSET 0 keeps this a per-row probe of the primary key: without it PostgreSQL may turn it into a
            # semi-join over the filter's whole posting list (e.g. every "experienced" statement)
            stmt = stmt.where(select(literal(1)).where(condition).offset(0).exists())
    stmt = stmt.where(st.c.voided.is_(False))
    if query.since_us is not None:
        stmt = stmt.where(st.c.stored_us > query.since_us)
    if query.until_us is not None:
        stmt = stmt.where(st.c.stored_us <= query.until_us)
    if query.authority:
        stmt = stmt.where(st.c.authority_key == query.authority)
    if query.after_seq is not None:
        stmt = stmt.where(seq_col > query.after_seq if query.ascending else seq_col < query.after_seq)
    limit = max_limit if query.limit <= 0 else min(query.limit, max_limit)
    stmt = stmt.order_by(seq_col.asc() if query.ascending else seq_col.desc()).limit(limit + 1)
    rows = session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return StatementPage([json.loads(r.body) for r in rows], rows[-1].seq if rows else None, more)


def get_statement(session: Session, statement_id: str, *, voided: bool = False) -> dict | None:
    """The statement by id; `voided=True` finds it only if voided (voidedStatementId), else only if not."""
    st = storage.statement
    row = session.execute(select(st.c.body, st.c.voided).where(st.c.id == statement_id.lower())).first()
    if row is None or bool(row.voided) != voided:
        return None
    return json.loads(row.body)


def statements_by_registration(session: Session, registration: str, **filters: Any) -> list[dict]:
    """Every non-voided statement of one attempt (registration), oldest first, for trainers' reports."""
    return _all(session, StatementQuery(registration=registration, ascending=True, **filters))


def statements_by_actor(session: Session, actor: dict, **filters: Any) -> list[dict]:
    return _all(session, StatementQuery(agent=agent_key(actor), ascending=True, **filters))


def statements_by_activity(session: Session, activity_id: str, *, related: bool = True,
                           **filters: Any) -> list[dict]:
    """Statements about an activity; `related` includes those where it is a parent/grouping (a whole module)."""
    return _all(session, StatementQuery(activity=activity_id, related_activities=related, ascending=True,
                                        **filters))


def _all(session: Session, query: StatementQuery) -> list[dict]:
    found: list[dict] = []
    while True:
        page = query_statements(session, query, max_limit=1000)
        found.extend(page.statements)
        if not page.more:
            return found
        query.after_seq = page.last_seq


def consistent_through(session: Session) -> int:
    """A stored time (µs) such that every statement stored at or before it is visible and none stored later
    can carry it or an earlier one.

    A writer takes the writer lock, then stamps `max(now, latest stored + 1)` and commits before releasing it.
    So when the lock is free just after `now` was read, every stamped statement is committed and every later
    writer stamps after `now`: the answer is `max(latest stored, now - 1 µs)`, close to now even when nothing is
    written for hours (clients such as ADL's suite wait in proportion to `now - Consistent-Through`). While a
    writer holds the lock, its statement may carry any time after the latest committed one, which is then the
    answer (0, the epoch, when nothing is committed yet). The reader never waits for the lock. Several hosts
    need synchronized clocks, as the stored times themselves do.
    """
    before = now_us()
    idle = _writers_idle(session)
    latest = session.execute(select(func.max(storage.statement.c.stored_us))).scalar() or 0
    return max(latest, before - 1) if idle else latest


def _writers_idle(session: Session) -> bool:
    """Whether no statement writer holds the writer lock, found by taking it (shared) and releasing it at once,
    without waiting: a PostgreSQL session-level shared advisory lock, SQLite's reserved lock (BEGIN IMMEDIATE
    with no busy wait). Other databases: False (the answer is then the latest stored time)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return bool(connection.execute(text(
            "SELECT CASE WHEN pg_try_advisory_lock_shared(:key) THEN pg_advisory_unlock_shared(:key) ELSE false END"),
            {"key": WRITER_LOCK_KEY}).scalar())
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw.in_transaction:  # this connection has written: it is a writer itself
            return False
        timeout = raw.execute("PRAGMA busy_timeout").fetchone()[0]
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            raw.execute("BEGIN IMMEDIATE")
        except connection.dialect.loaded_dbapi.OperationalError:
            return False
        else:
            raw.execute("ROLLBACK")
            return True
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    return False


def attachment_content(session: Session, hashes: Iterable[str]) -> dict[str, tuple[str, bytes]]:
    rows = session.execute(select(storage.attachment).where(storage.attachment.c.sha2.in_(sorted(set(hashes)))))
    return {r.sha2: (r.content_type, r.content) for r in rows}


def activity_object(session: Session, activity_id: str) -> dict:
    """The canonical Activity: every definition seen for it merged in order (later language entries win)."""
    rows = session.execute(select(storage.activity_definition.c.definition)
                           .where(storage.activity_definition.c.activity_id == activity_id)
                           .order_by(storage.activity_definition.c.first_seq)).scalars()
    merged: dict[str, Any] = {}
    for text_ in rows:
        for key, value in json.loads(text_).items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if merged:
        activity["definition"] = merged
    return activity


def parse_agent_param(raw: str, name: str = "agent") -> dict:
    """An `agent` query parameter: JSON of a valid Agent or identified Group."""
    agent = loads(raw, name)
    Validator("2.0.0").agent(agent, name)
    if agent.get("objectType") == "Group" and not any(
            k in agent for k in ("mbox", "mbox_sha1sum", "openid", "account")):
        raise BadRequest(f"{name}: an anonymous Group cannot be used here")
    return agent
