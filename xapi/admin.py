"""Administration of the embedded LRS: statistics, NDJSON export, GDPR erasure of one learner."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from xapi import documents, storage
from xapi.identity import agent_key
from xapi.service import default_authority, dumps, store_statements
from xapi.validation import AGENT_IFIS
from xapi.vocabulary import Verb

ERASED_HOME = "urn:mirco:erased"


def stats(session: Session) -> dict[str, Any]:
    """Counts an administrator checks first: statements, voided, agents, activities, documents, top verbs."""
    st = storage.statement
    count = lambda stmt: session.execute(stmt).scalar() or 0  # noqa: E731
    top_verbs = session.execute(select(st.c.verb_id, func.count()).group_by(st.c.verb_id)
                                .order_by(func.count().desc()).limit(10)).all()
    kinds = dict(session.execute(select(storage.document.c.kind, func.count())
                                 .group_by(storage.document.c.kind)).all())
    return {
        "statements": count(select(func.count()).select_from(st)),
        "voided": count(select(func.count()).select_from(st).where(st.c.voided.is_(True))),
        "agents": count(select(func.count(func.distinct(st.c.actor_key)))),
        "activities": count(select(func.count(func.distinct(st.c.object_activity)))),
        "attachments": count(select(func.count()).select_from(storage.attachment)),
        "documents": {k: kinds.get(k, 0) for k in documents.KINDS},
        "clients": count(select(func.count()).select_from(storage.client)),
        "last_seq": count(select(func.max(st.c.seq))),
        "top_verbs": {verb: n for verb, n in top_verbs},
        "forwarding": {r.target: {"delivered_through_seq": r.last_seq, "failures": r.attempts,
                                  "last_error": r.last_error}
                       for r in session.execute(select(storage.forward_cursor))},
    }


def export(session: Session, since_us: int | None = None, *, include_voided: bool = False,
           batch: int = 1000) -> Iterator[str]:
    """Statements stored after `since_us`, oldest first, as JSON lines (streamed in batches)."""
    st = storage.statement
    after = 0
    while True:
        stmt = select(st.c.seq, st.c.body).where(st.c.seq > after).order_by(st.c.seq).limit(batch)
        if since_us is not None:
            stmt = stmt.where(st.c.stored_us > since_us)
        if not include_voided:
            stmt = stmt.where(st.c.voided.is_(False))
        rows = session.execute(stmt).all()
        for row in rows:
            yield row.body
        if len(rows) < batch:
            return
        after = rows[-1].seq


@dataclass
class Erasure:
    statements_voided: int = 0
    statements_scrubbed: int = 0
    documents_deleted: int = 0


def _pseudonym(key: str) -> dict:
    return {"homePage": ERASED_HOME, "name": hashlib.sha256(key.encode()).hexdigest()[:32]}


def _scrub(value: Any, key: str) -> Any:
    """Replace every occurrence of the agent by an irreversible pseudonym account, dropping its name."""
    if isinstance(value, dict):
        if any(k in value for k in AGENT_IFIS) and agent_key(value) == key:
            out = {k: v for k, v in value.items() if k not in AGENT_IFIS and k != "name"}
            out["account"] = _pseudonym(key)
            return {k: _scrub(v, key) for k, v in out.items()}
        return {k: _scrub(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, key) for v in value]
    return value


def erase_agent(session: Session, agent: dict, *, authority: dict | None = None) -> Erasure:
    """GDPR erasure: void every statement about the agent (so forwarding tells external LRSs too), replace the
    agent in each stored statement by a pseudonym, and delete its state and agent profile documents."""
    key = agent_key(agent)
    st, ix = storage.statement, storage.statement_index
    seqs = sorted(set(session.execute(select(ix.c.statement_seq).where(ix.c.kind == "agent", ix.c.value == key))
                      .scalars()))
    result = Erasure()
    live = [row.id for row in session.execute(
        select(st.c.id).where(st.c.seq.in_(seqs), st.c.voided.is_(False), st.c.verb_id != Verb.VOIDED))] \
        if seqs else []
    for start in range(0, len(live), 500):
        store_statements(session, [
            {"actor": authority or default_authority(), "verb": {"id": Verb.VOIDED, "display": {"en-US": "voided"}},
             "object": {"objectType": "StatementRef", "id": sid}} for sid in live[start:start + 500]],
            authority=authority)
    result.statements_voided = len(live)
    erased = agent_key({"account": _pseudonym(key)})
    for row in session.execute(select(st.c.seq, st.c.body).where(st.c.seq.in_(seqs))).all() if seqs else []:
        body = _scrub(json.loads(row.body), key)
        session.execute(update(st).where(st.c.seq == row.seq).values(
            body=dumps(body), actor_key=agent_key(body["actor"]),
            authority_key=agent_key(body["authority"])))
        result.statements_scrubbed += 1
    if seqs:
        session.execute(delete(ix).where(ix.c.kind == "agent", ix.c.value == key))
        session.execute(ix.insert(), [{"kind": "agent", "value": erased, "statement_seq": s, "direct": False}
                                      for s in seqs])
    result.documents_deleted = documents.remove_for_agent(session, key)
    return result
