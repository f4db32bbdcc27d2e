"""Identity keys: one string per Agent/Group (its inverse functional identifier), used for indexing and lookups."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from xapi.validation import AGENT_IFIS


def agent_key(agent: dict[str, Any]) -> str:
    """`mbox:mailto:a@b`, `account:<homePage>|<name>`, ...; an anonymous Group is keyed by its members."""
    for ifi in AGENT_IFIS:
        if ifi in agent:
            value = agent[ifi]
            if ifi == "account":
                return f"account:{value['homePage']}|{value['name']}"
            return f"{ifi}:{value}"
    members = sorted(agent_key(m) for m in agent.get("member", []))
    return "anon:" + hashlib.sha256(json.dumps(members).encode()).hexdigest()


def ids_only(agent: dict[str, Any]) -> dict[str, Any]:
    """The agent reduced to objectType and IFI (format=ids); anonymous Groups keep their members, reduced."""
    out: dict[str, Any] = {"objectType": agent.get("objectType", "Agent")}
    for ifi in AGENT_IFIS:
        if ifi in agent:
            out[ifi] = agent[ifi]
            return out
    out["member"] = [ids_only(m) for m in agent.get("member", [])]
    return out
