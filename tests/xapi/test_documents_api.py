"""State, activity profile and agent profile resources: ETag concurrency, merge, listings, deletes."""
from __future__ import annotations

import json
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
