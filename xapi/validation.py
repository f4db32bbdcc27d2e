"""Every structural rule of xAPI 1.0.3 and IEEE 9274.1.1 (xAPI 2.0) for statements.

Each failure raises InvalidStatement whose message names the JSON path and the rule broken, e.g.
`statement.actor.mbox: must be a "mailto:" IRI`.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, NoReturn

from xapi.errors import InvalidStatement
from xapi.vocabulary import INTERACTION_COMPONENTS, Verb

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f<>\"{}|\\^`]+\Z")
MBOX_RE = re.compile(r"^mailto:[^@\s\x00]+@[^@\s\x00]+\Z")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}\Z")
SHA2_RE = re.compile(r"^(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})\Z")
# RFC 5646 language tag (langtag form, plus private use and the grandfathered irregulars the tests use). The
# primary language subtag has 2-3 letters: 4 letters are reserved and no 5-8 letter subtag is registered, so such
# tags are never valid (ADL's suite rejects {"test": ...} as a language map).
LANG_RE = re.compile(
    r"^(?:(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?|[xX](?:-[A-Za-z0-9]{1,8})+|i-[A-Za-z]{2,8}|en-GB-oed|sgn-[A-Z]{2}-[A-Z]{2,3})\Z")
DURATION_RE = re.compile(
    r"^P(?:(?=\d|T)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?|\d+(?:[.,]\d+)?W)\Z")
TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}(?::?\d{2})?)?\Z")
MIME_RE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(?:\s*;.*)?\Z")
VERSION_RE = re.compile(r"^(1\.0(\.\d{1,12})?|2\.0(\.\d{1,12})?)\Z")  # stored in 16 characters
CACHED_MAX_LENGTH = 512
"""Strings up to this length remember their verdict: a batch repeats the same IRIs and language tags."""
MAX_IDENTIFIER_BYTES = 2048
"""IRIs (activity, verb, openid...), mailto addresses, an account's homePage and name together, and document ids
are index keys: PostgreSQL's B-tree entries hold about 2,700 bytes, so one identifier stays below that."""

AGENT_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
STATEMENT_KEYS = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                  "version", "attachments"}
SUBSTATEMENT_KEYS = {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
CONTEXT_KEYS = {"registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
                "statement", "extensions"}
CONTEXT_KEYS_2 = CONTEXT_KEYS | {"contextAgents", "contextGroups"}
DEFINITION_KEYS = {"name", "description", "type", "moreInfo", "extensions", "interactionType",
                   "correctResponsesPattern", "choices", "scale", "source", "target", "steps"}


def fail(path: str, rule: str) -> NoReturn:
    raise InvalidStatement(f"{path}: {rule}")


@lru_cache(maxsize=8192)
def _cached_match(pattern: re.Pattern[str], value: str) -> bool:
    return pattern.match(value) is not None


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    """`pattern` matches the string `value` (a pure function of both, so short strings are memoized)."""
    if not isinstance(value, str):
        return False
    if len(value) > CACHED_MAX_LENGTH:
        return pattern.match(value) is not None
    return _cached_match(pattern, value)


def _object(value: Any, path: str, allowed: set[str] | frozenset[str], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        fail(path, "must be a JSON object")
    if not (value.keys() <= allowed and None not in value.values()):
        _object_members(value, path, allowed)
    for key in required:
        if key not in value:
            fail(f"{path}.{key}", "is required")
    return value


def _object_members(value: dict, path: str, allowed: set[str] | frozenset[str]) -> None:
    """The first unknown or null member, in order (only called when there is one).

    An empty object is accepted: xAPI 2.2 asks clients not to send one (SHOULD NOT); the LRS MUST reject only
    null values (outside extensions), and ADL's suite sends `"definition": {}` expecting 200."""
    for key, item in value.items():
        if key not in allowed:
            fail(f"{path}.{key}", "is not a property allowed here")
        if item is None:
            fail(f"{path}.{key}", "must not be null")


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        fail(path, "must be a string")
    return value


def _bool(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        fail(path, "must be true or false")


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(path, "must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the double range, e.g. 1 followed by 400 zeros
        fail(path, "is out of range")
    if not math.isfinite(number):
        fail(path, "is out of range")
    return number


def check_uuid(value: Any, path: str) -> str:
    if not isinstance(value, str) or not UUID_RE.match(value):
        fail(path, "must be a UUID (RFC 4122)")
    return value


def check_identifier_length(value: str, path: str, what: str = "") -> str:
    """`value` fits MAX_IDENTIFIER_BYTES in UTF-8 (counted only for strings that might not)."""
    if len(value) * 4 > MAX_IDENTIFIER_BYTES and len(value.encode("utf-8", "surrogatepass")) > MAX_IDENTIFIER_BYTES:
        fail(path, f"{what}must be at most {MAX_IDENTIFIER_BYTES} bytes long (UTF-8)")
    return value


def check_iri(value: Any, path: str) -> str:
    if not _matches(IRI_RE, value):
        fail(path, "must be an absolute IRI")
    return check_identifier_length(value, path)


def check_language_tag(value: Any, path: str) -> None:
    if not _matches(LANG_RE, value):
        fail(path, "must be an RFC 5646 language tag")


def check_language_map(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        fail(path, "must be a language map (object of language tag -> string)")
    for tag, text in value.items():
        check_language_tag(tag, f"{path}[{tag!r}]")
        if not isinstance(text, str):
            fail(f"{path}[{tag!r}]", "must be a string")


def check_extensions(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        fail(path, "must be an object whose keys are IRIs")
    for key in value:
        check_iri(key, f"{path}[{key!r}]")


def check_optional(value: dict, path: str, checks: dict[str, Callable[[Any, str], Any]]) -> None:
    """Run each check on the properties that are present (`checks` maps property name -> check)."""
    for key, check in checks.items():
        if key in value:
            check(value[key], f"{path}.{key}")


def check_duration(value: Any, path: str) -> None:
    if not _matches(DURATION_RE, value):
        fail(path, "must be an ISO 8601 duration (e.g. PT1H30M)")


def parse_timestamp(value: Any, path: str) -> datetime:
    """ISO 8601 / RFC 3339 timestamp with offset; the 'negative zero' offset -00:00 is rejected (xAPI 4.5)."""
    match = TIMESTAMP_RE.match(value) if isinstance(value, str) else None
    if not match:
        fail(path, "must be an ISO 8601 timestamp (e.g. 2024-01-31T12:00:00.000Z)")
    zone = match.group(8)
    if zone and zone.startswith("-") and not zone[1:].replace(":", "").strip("0"):
        fail(path, "must not use the offset -00:00")
    text = value.replace("t", "T").replace(" ", "T").replace("z", "Z")
    if zone in (None, ""):
        text += "Z"
    elif len(zone) == 3:
        text += ":00"
    elif ":" not in zone and len(zone) == 5:
        text = text[: -2] + ":" + text[-2:]
    fraction = match.group(7)
    if fraction and len(fraction) > 7:
        text = text.replace(fraction, fraction[:7], 1)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        fail(path, "is not a valid date and time")
    except OverflowError:
        fail(path, "is outside the years 0001 to 9999 in UTC")


DEFINITION_CHECKS = {"name": check_language_map, "description": check_language_map, "type": check_iri,
                     "moreInfo": check_iri, "extensions": check_extensions}
RESULT_CHECKS = {"success": _bool, "completion": _bool, "response": _string, "duration": check_duration,
                 "extensions": check_extensions}


class Validator:
    """Validates statements for one xAPI version ("1.0.3" or "2.0.0")."""

    def __init__(self, version: str = "1.0.3") -> None:
        self.v2 = version.startswith("2.")
        self.context_checks: dict[str, Callable[[Any, str], Any]] = {
            "registration": check_uuid, "instructor": self.agent, "team": self.only_group,
            "language": check_language_tag, "statement": self.statement_ref, "extensions": check_extensions}

    # agents and groups -------------------------------------------------------------------------------
    def agent(self, value: Any, path: str, *, allow_group: bool = True, object_type_required: bool = False) -> None:
        if not isinstance(value, dict):
            fail(path, "must be an Agent or Group object")
        kind = value.get("objectType", "Agent")
        if object_type_required and "objectType" not in value:
            fail(f"{path}.objectType", "is required for an Agent or Group used as object")
        if kind == "Group":
            if not allow_group:
                fail(f"{path}.objectType", "must be Agent here (a Group cannot be a member of a Group)")
            self.group(value, path)
            return
        if kind != "Agent":
            fail(f"{path}.objectType", "must be \"Agent\" or \"Group\"")
        _object(value, path, {"objectType", "name", *AGENT_IFIS})
        self._ifis(value, path, required=True)
        if "name" in value:
            _string(value["name"], f"{path}.name")

    def group(self, value: Any, path: str) -> None:
        _object(value, path, {"objectType", "name", "member", *AGENT_IFIS}, ("objectType",))
        if value["objectType"] != "Group":
            fail(f"{path}.objectType", "must be \"Group\"")
        identified = self._ifis(value, path, required=False)
        if "name" in value:
            _string(value["name"], f"{path}.name")
        if "member" in value:
            members = value["member"]
            if not isinstance(members, list):
                fail(f"{path}.member", "must be an array of Agents")
            for i, member in enumerate(members):
                self.agent(member, f"{path}.member[{i}]", allow_group=False)
            if not identified and not members:
                fail(f"{path}.member", "an anonymous Group must list at least one member")
        elif not identified:
            fail(f"{path}.member", "is required for an anonymous Group (no inverse functional identifier)")

    def only_group(self, value: Any, path: str) -> None:
        """context.team and contextGroups[].group: a Group, never an Agent."""
        if not isinstance(value, dict) or value.get("objectType") != "Group":
            fail(path, "must be a Group (objectType \"Group\")")
        self.group(value, path)

    def _ifis(self, value: dict, path: str, *, required: bool) -> bool:
        found = [k for k in AGENT_IFIS if k in value]
        if len(found) > 1:
            fail(path, f"must have exactly one inverse functional identifier, found {', '.join(found)}")
        if not found:
            if required:
                fail(path, "must have an inverse functional identifier (mbox, mbox_sha1sum, openid or account)")
            return False
        key = found[0]
        item = value[key]
        if key == "mbox":
            if not _matches(MBOX_RE, item):
                fail(f"{path}.mbox", "must be a \"mailto:\" IRI with an email address")
            check_identifier_length(item, f"{path}.mbox")
        if key == "mbox_sha1sum" and (not isinstance(item, str) or not SHA1_RE.match(item)):
            fail(f"{path}.mbox_sha1sum", "must be the hex SHA1 of a mailto IRI (40 hex digits)")
        if key == "openid":
            check_iri(item, f"{path}.openid")
        if key == "account":
            _object(item, f"{path}.account", {"homePage", "name"}, ("homePage", "name"))
            check_iri(item["homePage"], f"{path}.account.homePage")
            if "\x00" in _string(item["name"], f"{path}.account.name"):
                fail(f"{path}.account.name", "must not contain NUL characters")
            check_identifier_length(f"{item['homePage']}|{item['name']}", f"{path}.account", "homePage and name "
                                    "together ")
        return True

    # verb, object ------------------------------------------------------------------------------------
    def verb(self, value: Any, path: str) -> None:
        _object(value, path, {"id", "display"}, ("id",))
        check_iri(value["id"], f"{path}.id")
        if "display" in value:
            check_language_map(value["display"], f"{path}.display")

    def activity(self, value: Any, path: str) -> None:
        _object(value, path, {"objectType", "id", "definition"}, ("id",))
        if value.get("objectType", "Activity") != "Activity":
            fail(f"{path}.objectType", "must be \"Activity\"")
        check_iri(value["id"], f"{path}.id")
        if "definition" in value:
            self.definition(value["definition"], f"{path}.definition")

    def definition(self, value: Any, path: str) -> None:
        _object(value, path, DEFINITION_KEYS)
        check_optional(value, path, DEFINITION_CHECKS)
        interaction = value.get("interactionType")
        lists = [k for k in ("choices", "scale", "source", "target", "steps") if k in value]
        if interaction is None:
            if lists or "correctResponsesPattern" in value:
                fail(f"{path}.interactionType", "is required with correctResponsesPattern or interaction components")
            return
        if not isinstance(interaction, str) or interaction not in INTERACTION_COMPONENTS:
            fail(f"{path}.interactionType", f"must be one of {', '.join(INTERACTION_COMPONENTS)}")
        for key in lists:
            if key not in INTERACTION_COMPONENTS[interaction]:
                fail(f"{path}.{key}", f"is not allowed for interactionType {interaction!r}")
            self._components(value[key], f"{path}.{key}")
        if "correctResponsesPattern" in value:
            pattern = value["correctResponsesPattern"]
            if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
                fail(f"{path}.correctResponsesPattern", "must be an array of strings")

    def _components(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            fail(path, "must be an array of interaction components")
        seen = set()
        for i, component in enumerate(value):
            _object(component, f"{path}[{i}]", {"id", "description"}, ("id",))
            ident = _string(component["id"], f"{path}[{i}].id")
            if not ident.strip():
                fail(f"{path}[{i}].id", "must not be empty")
            if ident in seen:
                fail(f"{path}[{i}].id", "must be unique within the list")
            seen.add(ident)
            if "description" in component:
                check_language_map(component["description"], f"{path}[{i}].description")

    def statement_ref(self, value: Any, path: str) -> None:
        _object(value, path, {"objectType", "id"}, ("objectType", "id"))
        if value["objectType"] != "StatementRef":
            fail(f"{path}.objectType", "must be \"StatementRef\"")
        check_uuid(value["id"], f"{path}.id")

    def object(self, value: Any, path: str, *, in_substatement: bool = False) -> str:
        if not isinstance(value, dict):
            fail(path, "must be a JSON object")
        kind = value.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(value, path)
        elif kind in ("Agent", "Group"):
            self.agent(value, path, object_type_required=True)
        elif kind == "StatementRef":
            self.statement_ref(value, path)
        elif kind == "SubStatement":
            if in_substatement:
                fail(f"{path}.objectType", "a SubStatement cannot contain a SubStatement")
            self.body(value, path, substatement=True)
        else:
            fail(f"{path}.objectType", "must be Activity, Agent, Group, StatementRef or SubStatement")
        return kind

    # result, context, attachments --------------------------------------------------------------------
    def result(self, value: Any, path: str) -> None:
        _object(value, path, {"score", "success", "completion", "response", "duration", "extensions"})
        if "score" in value:
            score = _object(value["score"], f"{path}.score", {"scaled", "raw", "min", "max"})
            numbers = {k: _number(score[k], f"{path}.score.{k}") for k in score}
            if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
                fail(f"{path}.score.scaled", "must be between -1 and 1")
            if "min" in numbers and "max" in numbers and numbers["min"] >= numbers["max"]:
                fail(f"{path}.score.min", "must be less than max")
            if "raw" in numbers and "min" in numbers and numbers["raw"] < numbers["min"]:
                fail(f"{path}.score.raw", "must not be less than min")
            if "raw" in numbers and "max" in numbers and numbers["raw"] > numbers["max"]:
                fail(f"{path}.score.raw", "must not be greater than max")
        check_optional(value, path, RESULT_CHECKS)

    def context(self, value: Any, path: str, object_kind: str) -> None:
        _object(value, path, CONTEXT_KEYS_2 if self.v2 else CONTEXT_KEYS)
        check_optional(value, path, self.context_checks)
        if "contextActivities" in value:
            activities = _object(value["contextActivities"], f"{path}.contextActivities",
                                 {"parent", "grouping", "category", "other"})
            for key, items in activities.items():
                for i, item in enumerate(items if isinstance(items, list) else [items]):
                    self.activity(item, f"{path}.contextActivities.{key}[{i}]")
        for key in ("revision", "platform"):
            if key in value:
                _string(value[key], f"{path}.{key}")
                if object_kind != "Activity":
                    fail(f"{path}.{key}", "may only be used when the statement's object is an Activity")
        for key, inner, kind in (("contextAgents", "agent", "contextAgent"), ("contextGroups", "group", "contextGroup")):
            if key not in value:
                continue
            if not isinstance(value[key], list):
                fail(f"{path}.{key}", "must be an array")
            for i, item in enumerate(value[key]):
                where = f"{path}.{key}[{i}]"
                _object(item, where, {"objectType", inner, "relevantTypes"}, ("objectType", inner))
                if item["objectType"] != kind:
                    fail(f"{where}.objectType", f"must be \"{kind}\"")
                if inner == "agent":
                    self.agent(item[inner], f"{where}.agent", allow_group=False)
                else:
                    self.only_group(item[inner], f"{where}.group")
                if "relevantTypes" in item:
                    types = item["relevantTypes"]
                    if not isinstance(types, list) or not types:
                        fail(f"{where}.relevantTypes", "must be a non-empty array of IRIs")
                    for j, iri in enumerate(types):
                        check_iri(iri, f"{where}.relevantTypes[{j}]")

    def attachments(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            fail(path, "must be an array of attachment objects")
        for i, item in enumerate(value):
            where = f"{path}[{i}]"
            _object(item, where, {"usageType", "display", "description", "contentType", "length", "sha2",
                                  "fileUrl"}, ("usageType", "display", "contentType", "length", "sha2"))
            check_iri(item["usageType"], f"{where}.usageType")
            check_language_map(item["display"], f"{where}.display")
            if "description" in item:
                check_language_map(item["description"], f"{where}.description")
            if not _matches(MIME_RE, item["contentType"]):
                fail(f"{where}.contentType", "must be an Internet media type")
            if isinstance(item["length"], bool) or not isinstance(item["length"], int) or item["length"] < 0:
                fail(f"{where}.length", "must be a non-negative integer")
            if not isinstance(item["sha2"], str) or not SHA2_RE.match(item["sha2"]):
                fail(f"{where}.sha2", "must be a hex SHA-2 digest")
            if "fileUrl" in item:
                check_iri(item["fileUrl"], f"{where}.fileUrl")

    # whole statements --------------------------------------------------------------------------------
    def body(self, value: dict, path: str, *, substatement: bool = False) -> None:
        _object(value, path, SUBSTATEMENT_KEYS if substatement else STATEMENT_KEYS, ("actor", "verb", "object"))
        self.agent(value["actor"], f"{path}.actor")
        self.verb(value["verb"], f"{path}.verb")
        kind = self.object(value["object"], f"{path}.object", in_substatement=substatement)
        if "result" in value:
            self.result(value["result"], f"{path}.result")
        if "context" in value:
            self.context(value["context"], f"{path}.context", kind)
        if "timestamp" in value:
            parse_timestamp(value["timestamp"], f"{path}.timestamp")
        if "attachments" in value:
            self.attachments(value["attachments"], f"{path}.attachments")

    def statement(self, value: Any, path: str = "statement") -> None:
        """Validate one statement as a client sends it (stored/authority/version may be present)."""
        if not isinstance(value, dict):
            fail(path, "must be a JSON object")
        self.body(value, path)
        if "id" in value:
            check_uuid(value["id"], f"{path}.id")
        if "stored" in value:
            parse_timestamp(value["stored"], f"{path}.stored")
        if "authority" in value:
            self.authority(value["authority"], f"{path}.authority")
        if "version" in value:
            version = value["version"]
            if not _matches(VERSION_RE, version):
                fail(f"{path}.version", "must be an xAPI version 1.0.x or 2.0.x")
            if version.startswith("2.") and not self.v2:
                fail(f"{path}.version", "2.0.x statements need X-Experience-API-Version 2.0.x")
        if value["verb"]["id"] == Verb.VOIDED:
            obj = value["object"]
            if obj.get("objectType") != "StatementRef":
                fail(f"{path}.object", "a voiding statement's object must be a StatementRef")

    def authority(self, value: Any, path: str) -> None:
        self.agent(value, path)
        if isinstance(value, dict) and value.get("objectType") == "Group":
            members = value.get("member", [])
            if len(members) != 2 or any(k in value for k in AGENT_IFIS):
                fail(path, "a Group authority must be an anonymous Group of exactly two Agents (OAuth)")
