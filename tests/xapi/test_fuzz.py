"""Random JSON anywhere in a statement: the validator answers InvalidStatement or accepts, and whatever it
accepts can be completed, indexed and compared without an error (no 500 can come from the statement's shape)."""
from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.xapi.conftest import statement
from xapi.clock import iso
from xapi.errors import InvalidStatement
from xapi.service import _index_rows, comparable, dumps, prepare, validate_statements

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.sampled_from(["mailto:a@example.com", "http://example.com/x", "Group", "Agent", "SubStatement",
                       "StatementRef", "Activity", "8f87ccde-bb56-4c2e-ab83-44982ef22df0", "PT1S",
                       "2024-01-01T00:00:00Z", "en-US"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "objectType", "mbox", "name", "account", "homePage", "member", "display",
                         "definition", "en-US", "parent", "grouping", "score", "raw", "min", "max", "scaled",
                         "registration", "instructor", "team", "contextActivities", "statement", "actor",
                         "verb", "object", "extensions", "http://example.com/e"]), children, max_size=4),
    max_leaves=12)
PATHS = ["actor", "verb", "object", "result", "context", "timestamp", "attachments", "authority", "object.definition",
         "context.contextActivities", "context.instructor", "result.score", "actor.member", "object.object"]


def put(body: dict, path: str, value) -> dict:  # type: ignore[no-untyped-def]
    out = copy.deepcopy(body)
    node = out
    keys = path.split(".")
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = value
    return out


@settings(max_examples=400, deadline=None)
@given(path=st.sampled_from(PATHS), value=JSON, version=st.sampled_from(["1.0.3", "2.0.0"]))
def test_any_shape_is_rejected_cleanly_or_handled(path: str, value, version: str) -> None:  # type: ignore[no-untyped-def]
    body = put(statement(), path, value)
    try:
        validate_statements([body], version)
    except InvalidStatement as exc:
        assert ": " in str(exc)  # "path: rule"
        return
    stored = prepare(body, authority={"mbox": "mailto:lrs@example.com"}, version=version, stored=iso(1))
    assert _index_rows(stored).rows
    assert comparable(stored) == comparable(body) or "timestamp" not in body
    dumps(stored)
