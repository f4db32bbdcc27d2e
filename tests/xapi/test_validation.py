"""Statement validation rules (xAPI 1.0.3 Data 2.x / IEEE 9274.1.1 §4.2), each failure naming path and rule."""
from __future__ import annotations

import copy

import pytest

from xapi.errors import InvalidStatement
from xapi.service import validate_statements
from xapi.validation import parse_timestamp

from tests.xapi.conftest import statement

SUB = {"objectType": "SubStatement", "actor": {"mbox": "mailto:s@example.com"},
       "verb": {"id": "http://example.com/v"}, "object": {"id": "http://example.com/a"}}


def with_path(base: dict, path: str, value) -> dict:  # type: ignore[no-untyped-def]
    """Copy of `base` with the dotted `path` set (or deleted when value is ...)."""
    out = copy.deepcopy(base)
    node = out
    keys = path.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    if value is ...:
        node.pop(keys[-1], None)
    else:
        node[keys[-1]] = value
    return out


INVALID = [
    ("actor", ..., "statement.actor: is required"),
    ("verb", ..., "statement.verb: is required"),
    ("object", ..., "statement.object: is required"),
    ("id", "not-a-uuid", "statement.id: must be a UUID"),
    ("unknown", 1, "statement.unknown: is not a property allowed here"),
    ("actor.mbox", "learner@example.com", "statement.actor.mbox: must be a \"mailto:\" IRI"),
    ("actor.mbox_sha1sum", "abc", "exactly one inverse functional identifier"),
    ("actor", {"name": "nobody"}, "statement.actor: must have an inverse functional identifier"),
    ("actor", {"objectType": "Group"}, "statement.actor.member: is required for an anonymous Group"),
    ("actor", {"objectType": "Group", "member": []}, "anonymous Group must list at least one member"),
    ("actor", {"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:g@x.org"}]},
     "a Group cannot be a member of a Group"),
    ("actor", {"objectType": "agent", "mbox": "mailto:a@x.org"}, "statement.actor.objectType"),
    ("actor", {"account": {"homePage": "not an iri", "name": "x"}}, "statement.actor.account.homePage"),
    ("actor", {"account": {"homePage": "http://x.org"}}, "statement.actor.account.name: is required"),
    ("actor", {"openid": "nope"}, "statement.actor.openid: must be an absolute IRI"),
    ("actor.name", None, "statement.actor.name: must not be null"),
    ("verb.id", "experienced", "statement.verb.id: must be an absolute IRI"),
    ("verb.display", {"not a tag!": "x"}, "statement.verb.display['not a tag!']: must be an RFC 5646"),
    ("verb.display", {"en-US": 5}, "statement.verb.display['en-US']: must be a string"),
    ("object.id", "lesson 1", "statement.object.id: must be an absolute IRI"),
    ("object.objectType", "activity", "statement.object.objectType"),
    ("object.definition.type", "lesson", "statement.object.definition.type"),
    ("object.definition.moreInfo", "x", "statement.object.definition.moreInfo"),
    ("object.definition.extensions", {"not-iri": 1}, "statement.object.definition.extensions['not-iri']"),
    ("object.definition.interactionType", "multiple", "statement.object.definition.interactionType: must be one of"),
    ("object.definition.choices", [{"id": "a"}], "interactionType: is required"),
    ("object", {"objectType": "Agent"}, "statement.object: must have an inverse functional identifier"),
    ("object", {"mbox": "mailto:a@x.org"}, "statement.object.mbox: is not a property allowed here"),
    ("object", {"objectType": "StatementRef", "id": "x"}, "statement.object.id: must be a UUID"),
    ("object", {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@x.org"},
                "verb": {"id": "http://x.org/v"}, "object": SUB}, "a SubStatement cannot contain a SubStatement"),
    ("object", {**SUB, "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}, "statement.object.id: is not a property"),
    ("object", {**SUB, "stored": "2020-01-01T00:00:00Z"}, "statement.object.stored: is not a property"),
    ("result.score", {"scaled": 1.5}, "statement.result.score.scaled: must be between -1 and 1"),
    ("result.score", {"raw": 5, "min": 6, "max": 10}, "statement.result.score.raw: must not be less than min"),
    ("result.score", {"raw": 11, "min": 6, "max": 10}, "statement.result.score.raw: must not be greater"),
    ("result.score", {"min": 10, "max": 10}, "statement.result.score.min: must be less than max"),
    ("result.score", {"raw": "5"}, "statement.result.score.raw: must be a number"),
    ("result.success", "true", "statement.result.success: must be true or false"),
    ("result.duration", "1 hour", "statement.result.duration: must be an ISO 8601 duration"),
    ("result.duration", "P", "statement.result.duration"),
    ("context.registration", "abc", "statement.context.registration: must be a UUID"),
    ("context.team", {"mbox": "mailto:a@x.org"}, "statement.context.team: must be a Group"),
    ("context.contextActivities", {"parent": {"id": "x"}}, "statement.context.contextActivities.parent[0].id"),
    ("context.contextActivities", {"sibling": []}, "statement.context.contextActivities.sibling"),
    ("context.language", "english!", "statement.context.language: must be an RFC 5646"),
    ("context.statement", {"objectType": "Activity", "id": "http://x.org"}, "statement.context.statement"),
    ("timestamp", "yesterday", "statement.timestamp: must be an ISO 8601 timestamp"),
    ("timestamp", "2013-05-18T05:32:34.804-00:00", "statement.timestamp: must not use the offset -00:00"),
    ("timestamp", "2013-13-18T05:32:34Z", "statement.timestamp: is not a valid date"),
    ("version", "0.95", "statement.version: must be an xAPI version"),
    ("attachments", [{"usageType": "http://x.org/u", "display": {"en": "a"}, "contentType": "text/plain",
                      "length": 1}], "statement.attachments[0].sha2: is required"),
    ("attachments", [{"usageType": "http://x.org/u", "display": {"en": "a"}, "contentType": "text/plain",
                      "length": -1, "sha2": "a" * 64}], "statement.attachments[0].length"),
    ("attachments", {"usageType": "http://x.org/u"}, "statement.attachments: must be an array"),
    ("authority", {"objectType": "Group", "member": [{"mbox": "mailto:a@x.org"}]},
     "a Group authority must be an anonymous Group of exactly two Agents"),
    # a trailing newline is not part of any of these formats (a `$` anchor would have let it through)
    ("id", "8f87ccde-bb56-4c2e-ab83-44982ef22df0\n", "statement.id: must be a UUID"),
    ("verb.id", "http://example.com/v\n", "statement.verb.id: must be an absolute IRI"),
    ("actor.mbox", "mailto:a@x.org\n", "statement.actor.mbox: must be a \"mailto:\" IRI"),
    ("actor", {"mbox_sha1sum": "a" * 40 + "\n"}, "statement.actor.mbox_sha1sum"),
    ("verb.display", {"en-US\n": "x"}, "must be an RFC 5646"),
    ("result.duration", "PT1S\n", "statement.result.duration: must be an ISO 8601 duration"),
    ("timestamp", "2013-05-18T05:32:34Z\n", "statement.timestamp: must be an ISO 8601 timestamp"),
    ("version", "1.0.3\n", "statement.version: must be an xAPI version"),
    ("attachments", [{"usageType": "http://x.org/u", "display": {"en": "a"}, "contentType": "text/plain\n",
                      "length": 1, "sha2": "a" * 64}], "statement.attachments[0].contentType"),
]


@pytest.mark.parametrize("path,value,message", INVALID, ids=[f"{p}:{m[:30]}" for p, _, m in INVALID])
def test_invalid_statement_names_path_and_rule(path: str, value, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidStatement) as caught:
        validate_statements([with_path(statement(), path, value)])
    assert message in str(caught.value)


def test_voiding_needs_statement_ref() -> None:
    bad = statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"})
    with pytest.raises(InvalidStatement, match="voiding statement's object must be a StatementRef"):
        validate_statements([bad])


def test_context_revision_only_with_activity_object() -> None:
    bad = statement(object={"objectType": "Agent", "mbox": "mailto:a@x.org"}, context={"revision": "1"})
    with pytest.raises(InvalidStatement, match="statement.context.revision"):
        validate_statements([bad])


def test_interaction_components_must_fit_type_and_be_unique() -> None:
    definition = {"interactionType": "likert", "choices": [{"id": "a"}]}
    with pytest.raises(InvalidStatement, match="choices: is not allowed for interactionType 'likert'"):
        validate_statements([with_path(statement(), "object.definition", definition)])
    definition = {"interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]}
    with pytest.raises(InvalidStatement, match=r"choices\[1\].id: must be unique"):
        validate_statements([with_path(statement(), "object.definition", definition)])


def test_batch_paths_are_indexed_and_duplicate_ids_rejected() -> None:
    good = statement()
    with pytest.raises(InvalidStatement, match=r"statements\[1\].verb: is required"):
        validate_statements([good, with_path(statement(), "verb", ...)])
    with pytest.raises(InvalidStatement, match=r"statements\[1\].id: appears twice"):
        validate_statements([good, dict(good)])


def test_context_agents_and_groups_are_2_0_only() -> None:
    body = statement(context={"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:i@x.org"},
                                                 "relevantTypes": ["http://x.org/instructor"]}],
                              "contextGroups": [{"objectType": "contextGroup",
                                                 "group": {"objectType": "Group", "mbox": "mailto:g@x.org"}}]})
    validate_statements([body], "2.0.0")
    with pytest.raises(InvalidStatement, match="statement.context.contextAgents: is not a property"):
        validate_statements([body], "1.0.3")
    broken = with_path(body, "context.contextAgents", [{"objectType": "contextAgent", "agent": {"mbox": "mailto:i@x.org"},
                                                        "relevantTypes": []}])
    with pytest.raises(InvalidStatement, match=r"contextAgents\[0\].relevantTypes: must be a non-empty array"):
        validate_statements([broken], "2.0.0")


VALID = [
    ("actor", {"objectType": "Group", "name": "team", "member": [{"mbox": "mailto:a@x.org"}]}),
    ("actor", {"objectType": "Group", "account": {"homePage": "http://x.org", "name": "g"}}),
    ("actor", {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}),
    ("object", SUB),
    ("object", {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}),
    ("timestamp", "2013-05-18T05:32:34.804+08:00"),
    ("timestamp", "2013-05-18T05:32:34.80412345Z"),
    ("result", {"duration": "PT1H0M0S", "score": {"scaled": -1, "raw": 0, "min": -5, "max": 5},
                "extensions": {"http://x.org/e": None}}),
    ("result.duration", "P1W"),
    ("verb.display", {"sr-Latn-RS": "doživeo", "zh-Hant": "x", "en-GB-oed": "x"}),
    ("context", {"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7", "platform": "p", "revision": "r",
                 "language": "sr-Cyrl", "contextActivities": {"parent": {"id": "http://x.org/p"},
                                                              "other": [{"id": "http://x.org/o"}]}}),
]


@pytest.mark.parametrize("path,value", VALID, ids=[p for p, _ in VALID])
def test_valid_variants_pass(path: str, value) -> None:  # type: ignore[no-untyped-def]
    validate_statements([with_path(statement(), path, value)], "2.0.0")


def test_timestamps_with_offsets_convert_to_utc() -> None:
    assert parse_timestamp("2024-01-31T14:00:00+02:00", "t").hour == 12
    assert parse_timestamp("2024-01-31T12:00:00Z", "t") == parse_timestamp("2024-01-31T12:00:00.000+00:00", "t")


@pytest.mark.parametrize("value", ["should fail", "01/011/2015", "2008-09-15T15:53:00.601-00",
                                   "2008-09-15T15:53:00.601-0000", "2008-09-15T15:53:00.601-00:00"])
def test_conformance_suite_invalid_timestamps(value: str) -> None:
    with pytest.raises(InvalidStatement, match="statement.timestamp"):
        validate_statements([statement(timestamp=value)])


@pytest.mark.parametrize("value", ["2008-09-15 15:53:00.601+00:00", "2013-05-18T05:32:34.804Z", "2013-05-18T05:32:34Z"])
def test_rfc3339_timestamps_accepted(value: str) -> None:
    validate_statements([statement(timestamp=value)], "2.0.0")


@pytest.mark.parametrize("version,ok", [("1.0", True), ("1.0.9", True), ("should fail", False), ("0.9.9", False),
                                        ("1.1.0", False)])
def test_statement_version_property(version: str, ok: bool) -> None:
    if ok:
        validate_statements([statement(version=version)])
    else:
        with pytest.raises(InvalidStatement, match="statement.version"):
            validate_statements([statement(version=version)])


@pytest.mark.parametrize("tag", ["de-419-DE", "a12345", ""])
def test_invalid_language_tags(tag: str) -> None:
    with pytest.raises(InvalidStatement, match="RFC 5646"):
        validate_statements([statement(verb={"id": "http://x.org/v", "display": {tag: "x"}})])


@pytest.mark.parametrize("value,ok", [("PT1H0M0.1S", True), ("PT4H35M59.14S", True), ("PT16559.14S", True),
                                      ("P3Y1M29DT4H35M59.14S", True), ("P3Y", True), ("P4W", True),
                                      ("P4W1D", False), ("PA1H0M0S", False), ("should fail", False), (12345, False),
                                      ({"key": "invalid"}, False), ("PT", False)])
def test_conformance_suite_durations(value, ok: bool) -> None:  # type: ignore[no-untyped-def]
    body = statement(result={"duration": value})
    if ok:
        validate_statements([body], "2.0.0")
    else:
        with pytest.raises(InvalidStatement, match="statement.result.duration"):
            validate_statements([body], "2.0.0")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-02-30T00:00:00Z"])
def test_out_of_range_timestamps_are_400_not_500(value: str) -> None:
    with pytest.raises(InvalidStatement, match="statement.timestamp"):
        validate_statements([statement(timestamp=value)])
