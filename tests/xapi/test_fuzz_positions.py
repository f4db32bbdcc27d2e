"""Every JSON type in every position of complete statements, sent over HTTP on both databases: the LRS answers 200
or a 400 that names the field, never a 5xx or a database driver's message (first exhaustively for a fixed set of
values, then with Hypothesis for random JSON)."""
from __future__ import annotations

import copy
import json
import random
import string
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.xapi.conftest import Xapi
from xapi.errors import InvalidStatement
from xapi.service import validate_statements

GROUP = {"objectType": "Group", "name": "Team", "account": {"homePage": "http://example.com", "name": "team-1"},
         "member": [{"mbox": "mailto:a@example.com"}, {"openid": "http://example.com/openid/b"},
                    {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}]}
DEFINITION = {"name": {"en-US": "Question"}, "description": {"en-US": "Pick one"},
              "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "moreInfo": "http://example.com/more",
              "interactionType": "choice", "correctResponsesPattern": ["a[,]b"],
              "choices": [{"id": "a", "description": {"en-US": "A"}}, {"id": "b", "description": {"en-US": "B"}}],
              "extensions": {"http://example.com/ext": {"any": [1, "x"]}}}
CONTEXT = {"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7", "instructor": {"mbox": "mailto:i@example.com"},
           "team": {"objectType": "Group", "member": [{"mbox": "mailto:t@example.com"}]},
           "contextActivities": {"parent": [{"id": "http://example.com/parent"}],
                                 "grouping": {"id": "http://example.com/grouping", "definition": DEFINITION}},
           "revision": "1", "platform": "MIRCO", "language": "en-US",
           "statement": {"objectType": "StatementRef", "id": "16fd2706-8baf-433b-82eb-8c7fada847da"},
           "extensions": {"http://example.com/ctx": 1}}
RESULT = {"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": True, "completion": False,
          "response": "a", "duration": "PT1M2.5S", "extensions": {"http://example.com/res": None}}
ATTACHMENT = {"usageType": "http://example.com/usage", "display": {"en-US": "Report"},
              "description": {"en-US": "A report"}, "contentType": "application/pdf", "length": 12,
              "sha2": "a" * 64, "fileUrl": "http://example.com/report.pdf"}


def full_statement() -> dict:
    return {"id": str(uuid.uuid4()), "actor": copy.deepcopy(GROUP),
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
            "object": {"objectType": "Activity", "id": "http://example.com/q1",
                       "definition": copy.deepcopy(DEFINITION)},
            "result": copy.deepcopy(RESULT), "context": copy.deepcopy(CONTEXT),
            "timestamp": "2024-05-06T07:08:09.123Z", "version": "1.0.0",
            "authority": {"objectType": "Agent", "mbox": "mailto:authority@example.com"},
            "attachments": [copy.deepcopy(ATTACHMENT)]}


def sub_statement() -> dict:
    """A statement whose object is a SubStatement carrying the rich parts, and 2.0's contextAgents/Groups."""
    inner = {k: v for k, v in full_statement().items() if k not in ("id", "version", "authority")}
    inner["objectType"] = "SubStatement"
    context = {"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:c@example.com"},
                                  "relevantTypes": ["http://example.com/type"]}],
               "contextGroups": [{"objectType": "contextGroup", "group": copy.deepcopy(GROUP)}]}
    return {"actor": {"objectType": "Agent", "account": {"homePage": "http://example.com", "name": "x"}},
            "verb": {"id": "http://example.com/verbs/planned"}, "object": inner, "context": context}


def paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every position in the statement: each member and array item, and the root."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, prefix + (i,))


def replaced(body: dict, path: tuple, value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(body)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


LONG = "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=3000))  # beyond a B-tree entry
VALUES = [None, True, False, 0, -1, 10 ** 400, 1.5, -0.0, 1e308, "", " ", "x", "\u0000", "é\u0000", "a" * 3000,
          "\ud800", "http://example.com/" + LONG, "mailto:" + LONG + "@example.com", [], [None], [{}], [[]], {},
          {"test": "value"}, {"": ""},
          {"en-US": {"test": "value"}}]
PLACES = [("1.0.3", path) for path in paths(full_statement())] + [("2.0.0", path) for path in paths(sub_statement())]


def _post(xapi: Xapi, version: str, body: Any) -> tuple[int, str]:
    response = xapi.post("statements", data=json.dumps(body), content_type="application/json", version=version)
    return response.status_code, response.get_data(as_text=True)


def _assert_clean(status: int, text: str, where: str) -> None:
    assert status in (200, 400), (where, status, text[:300])
    if status == 400:
        assert "database" not in text and "psycopg" not in text and "sqlite" not in text.lower(), (where, text[:300])
        assert text.startswith("statement") or text.startswith("multipart"), (where, text[:300])


def test_every_json_type_in_every_position(xapi1: Xapi) -> None:
    """About 6,000 statements: each position of two complete statements replaced by each kind of JSON value. The
    validator judges each in process; what it accepts (and every 10th refusal) is sent over HTTP and stored."""
    failures, sent = [], 0
    for n, (version, path, value) in enumerate((v, p, x) for v, p in PLACES for x in VALUES):
        candidate = replaced(full_statement() if version == "1.0.3" else sub_statement(), path, value)
        where = f"{version} {path} = {value!r:.40}"
        try:
            validate_statements([candidate], version)
        except InvalidStatement as exc:
            if not str(exc).startswith("statement"):
                failures.append(f"{where}: {exc}")
            if n % 10:
                continue
        except Exception as exc:  # noqa: BLE001 - any other exception would be a 500
            failures.append(f"{where}: {exc!r}")
            continue
        sent += 1
        status, text = _post(xapi1, version, candidate)
        try:
            _assert_clean(status, text, where)
        except AssertionError as exc:
            failures.append(str(exc))
    assert failures == [] and sent > 500


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10 ** 300)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12) | st.sampled_from(["mailto:a@example.com", "http://example.com/x", "Group", "Agent",
                                              "SubStatement", "StatementRef", "Activity", "choice", "PT1S",
                                              "8f87ccde-bb56-4c2e-ab83-44982ef22df0", "2024-01-01T00:00:00Z", "en-US"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "objectType", "mbox", "name", "account", "homePage", "member", "display", "en-US",
                         "interactionType", "choices", "definition", "score", "raw", "scaled", "test",
                         "http://example.com/e"]) | st.text(max_size=5), children, max_size=4),
    max_leaves=10)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(place=st.sampled_from(PLACES), value=JSON)
def test_random_json_in_any_position(xapi1: Xapi, place: tuple[str, tuple], value: Any) -> None:
    version, path = place
    body = replaced(full_statement() if version == "1.0.3" else sub_statement(), path, value)
    _assert_clean(*_post(xapi1, version, body), f"{version} {path} = {value!r:.80}")


def test_every_json_type_in_every_position_of_an_agent_parameter(xapi1: Xapi) -> None:
    """The `agent` parameter of the document and agents resources goes through the same validator: a 400 naming
    the parameter's field, or an answer, never a 5xx."""
    failures = []
    for path in paths(GROUP):
        for value in VALUES:
            agent = json.dumps(replaced(GROUP, path, value))
            for resource, extra in (("agents", {}), ("agents/profile", {"profileId": "p"}),
                                    ("activities/state", {"activityId": "http://example.com/a", "stateId": "s"})):
                response = xapi1.get(f"{resource}?{urlencode({'agent': agent, **extra})}")
                text = response.get_data(as_text=True)
                if response.status_code not in (200, 400, 404) or (
                        response.status_code == 400 and not text.startswith("agent")):
                    failures.append((resource, path, repr(value)[:40], response.status_code, text[:120]))
    assert failures == []
