"""State, activity profile and agent profile resources: ETag concurrency, merge, listings, deletes."""
from __future__ import annotations

import json
import random
import string
import uuid
from urllib.parse import urlencode

import pytest

from tests.xapi.conftest import ACTIVITY, Xapi

AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:learner@example.com"})
RESOURCES = {
    "activities/state": {"activityId": ACTIVITY, "agent": AGENT},
    "activities/profile": {"activityId": ACTIVITY},
    "agents/profile": {"agent": AGENT},
}
ID_PARAM = {"activities/state": "stateId", "activities/profile": "profileId", "agents/profile": "profileId"}


def url(resource: str, doc_id: str | None = None, **extra: str) -> str:
    params = dict(RESOURCES[resource])
    if doc_id is not None:
        params[ID_PARAM[resource]] = doc_id
    params.update(extra)
    return f"{resource}?{urlencode(params)}"


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_put_get_post_merge_delete(xapi: Xapi, resource: str) -> None:
    assert xapi.get(url(resource, "d1")).status_code == 404
    created = xapi.put(url(resource, "d1"), data='{"a": 1, "b": 1}', content_type="application/json",
                       headers={"If-None-Match": "*"})
    assert created.status_code == 204
    got = xapi.get(url(resource, "d1"))
    assert got.status_code == 200 and got.get_json() == {"a": 1, "b": 1}
    etag = got.headers["ETag"]
    assert got.headers["Last-Modified"]
    assert xapi.post(url(resource, "d1"), data='{"b": 2, "c": 3}', content_type="application/json").status_code == 204
    merged = xapi.get(url(resource, "d1"))
    assert merged.get_json() == {"a": 1, "b": 2, "c": 3} and merged.headers["ETag"] != etag
    assert xapi.delete(url(resource, "d1"), headers={"If-Match": etag}).status_code == 412
    assert xapi.delete(url(resource, "d1"), headers={"If-Match": merged.headers["ETag"]}).status_code == 204
    assert xapi.get(url(resource, "d1")).status_code == 404


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_etag_preconditions(xapi: Xapi, resource: str) -> None:
    xapi.put(url(resource, "d"), data="text v1", content_type="text/plain", headers={"If-None-Match": "*"})
    etag = xapi.get(url(resource, "d")).headers["ETag"]
    assert xapi.put(url(resource, "d"), data="v2", content_type="text/plain",
                    headers={"If-None-Match": "*"}).status_code == 412
    assert xapi.put(url(resource, "d"), data="v2", content_type="text/plain",
                    headers={"If-Match": '"0000"'}).status_code == 412
    assert xapi.put(url(resource, "d"), data="v2", content_type="text/plain",
                    headers={"If-Match": etag}).status_code == 204
    unconditional = xapi.put(url(resource, "d"), data="v3", content_type="text/plain")
    # xAPI 1.0.3: 409 for profiles only; xAPI 2.0: for the State resource too
    expect_conflict = resource != "activities/state" or xapi.version == "2.0.0"
    assert unconditional.status_code == (409 if expect_conflict else 204)
    assert xapi.put(url(resource, "new"), data="x", content_type="text/plain",
                    headers={"If-Match": etag}).status_code == 412


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_xapi_00273_00293_unconditional_put_of_a_new_profile(xapi: Xapi, resource: str) -> None:
    """xAPI 1.0.3: a client MUST send If-Match or If-None-Match to PUT a profile; ADL's 1.0.3 suite wants a 400
    for a new one without (suite issue #158). xAPI 2.0 and the State resource create it."""
    response = xapi.put(url(resource, "fresh"), json={"a": 1})
    refused = resource != "activities/state" and xapi.version == "1.0.3"
    assert response.status_code == (400 if refused else 204), response.get_data(as_text=True)
    if refused:
        assert "If-None-Match" in response.get_data(as_text=True)
        assert xapi.get(url(resource, "fresh")).status_code == 404
        assert xapi.post(url(resource, "fresh"), json={"a": 1}).status_code == 204  # POST needs no header
    assert xapi.get(url(resource, "fresh")).get_json() == {"a": 1}


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_post_merge_rules(xapi: Xapi, resource: str) -> None:
    xapi.put(url(resource, "t"), data="plain", content_type="text/plain", headers={"If-None-Match": "*"})
    assert xapi.post(url(resource, "t"), data='{"a": 1}', content_type="application/json").status_code == 400
    for scalar in ("1", "true"):  # POST of a new document is not judged by its content
        assert xapi.post(url(resource, "s" + scalar), data=scalar, content_type="application/json").status_code == 204
    xapi.post(url(resource, "j"), data='{"a": 1}', content_type="application/json")
    assert xapi.post(url(resource, "j"), data="[1, 2]", content_type="application/json").status_code == 400
    assert xapi.post(url(resource, "j"), data="{bad", content_type="application/json").status_code == 400
    assert xapi.post(url(resource, "j"), data="x", content_type="text/plain").status_code == 400


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_listing_with_since(xapi: Xapi, resource: str) -> None:
    xapi.post(url(resource, "first"), data="{}", content_type="application/json")
    listing = xapi.get(url(resource))
    assert listing.status_code == 200 and listing.get_json() == ["first"]
    assert xapi.get(url(resource, since="2999-01-01T00:00:00Z")).get_json() == []
    assert xapi.get(url(resource, since="2000-01-01T00:00:00Z")).get_json() == ["first"]
    assert xapi.get(url(resource, "first", since="2000-01-01T00:00:00Z")).status_code == 400


def test_state_registration_and_delete_all(xapi: Xapi) -> None:
    registration = str(uuid.uuid4())
    xapi.post(url("activities/state", "s", registration=registration), data='{"r": 1}', content_type="application/json")
    xapi.post(url("activities/state", "s"), data='{"r": 0}', content_type="application/json")
    assert xapi.get(url("activities/state", "s", registration=registration)).get_json() == {"r": 1}
    assert xapi.get(url("activities/state", "s")).get_json() == {"r": 0}
    assert xapi.delete(url("activities/state")).status_code == 204
    assert xapi.get(url("activities/state", "s", registration=registration)).status_code == 404
    assert xapi.get(url("activities/state", registration="nope")).status_code == 400


@pytest.mark.parametrize("query", [
    "activities/state?stateId=s",
    "activities/state?activityId=not%20an%20iri&stateId=s&agent=" + AGENT,
    "activities/state?activityId=http://x.org/a&stateId=s&agent={}",
    "activities/state?activityId=http://x.org/a&stateId=s&agent=" + AGENT + "&colour=red",
    "agents/profile?profileId=p",
    "activities/profile?profileId=p",
])
def test_document_parameters_are_checked(xapi: Xapi, query: str) -> None:
    response = xapi.get(query)
    assert response.status_code == 400 and response.get_data(as_text=True)


def test_profiles_cannot_be_deleted_without_id(xapi: Xapi) -> None:
    assert xapi.delete(url("activities/profile")).status_code == 400
    assert xapi.delete(url("agents/profile")).status_code == 400


def test_activities_merge_definitions_and_agents_return_person(xapi: Xapi) -> None:
    from tests.xapi.conftest import statement

    xapi.store(statement(object={"id": "http://x.org/a", "definition": {"name": {"en-US": "A"}}}))
    xapi.store(statement(object={"id": "http://x.org/a", "definition": {"name": {"sr-Latn": "A sr"},
                                                                          "type": "http://x.org/t"}}))
    activity = xapi.get("activities?activityId=http://x.org/a").get_json()
    assert activity == {"objectType": "Activity", "id": "http://x.org/a", "definition": {
        "name": {"en-US": "A", "sr-Latn": "A sr"}, "type": "http://x.org/t"}}
    assert xapi.get("activities").status_code == 400
    person = xapi.get(f"agents?{urlencode({'agent': AGENT})}").get_json()
    assert person == {"objectType": "Person", "mbox": ["mailto:learner@example.com"]}
    assert xapi.put("activities?activityId=http://x.org/a", data="{}").status_code == 405


LONG = "".join(random.Random(3).choices(string.ascii_letters + string.digits, k=990))  # incompressible


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
@pytest.mark.parametrize("doc_id,rule", [("a\x00b", "must not contain NUL"), ("x" * 2049, "at most 2048 bytes"),
                                         ("\u00e9" * 1025, "at most 2048 bytes")])
def test_nul_or_oversized_document_ids_are_400_naming_the_parameter(xapi1: Xapi, resource: str, method: str,
                                                                    doc_id: str, rule: str) -> None:
    xapi = xapi1
    response = xapi.request(method, url(resource, doc_id), json={"a": 1}, headers={"If-None-Match": "*"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and text.startswith(f"{ID_PARAM[resource]}: ") and rule in text, text
    assert xapi.get(url(resource)).get_json() == []


def test_identifiers_too_long_together_are_400_on_postgresql(xapi: Xapi, database_url: str) -> None:
    """Each within its limit, together beyond what one PostgreSQL index entry holds: a 400 there, nothing stored
    (SQLite has no such limit and stores the document)."""
    agent = json.dumps({"account": {"homePage": "http://example.com/" + LONG[:980], "name": LONG}})
    params = {"activityId": "http://example.com/" + LONG[::-1][:980], "agent": agent, "stateId": LONG[5:] + "abcde"}
    response = xapi.put(f"activities/state?{urlencode(params)}", json={"a": 1})
    if database_url.startswith("postgresql"):
        assert response.status_code == 400 and "too long" in response.get_data(as_text=True)
        assert xapi.get(f"activities/state?{urlencode(params)}").status_code == 404
    else:
        assert response.status_code == 204
        assert xapi.get(f"activities/state?{urlencode(params)}").get_json() == {"a": 1}
