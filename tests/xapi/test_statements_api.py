"""Statement resource over HTTP, for xAPI 1.0.3 and 2.0 (mirrors the ADL conformance suite's checks)."""
from __future__ import annotations

import json
import uuid

from email.utils import parsedate_to_datetime

from tests.xapi.conftest import ACTIVITY, VERB, Xapi, statement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def test_put_then_get_sets_stored_authority_version(xapi: Xapi) -> None:
    body = statement()
    assert xapi.put(f"statements?statementId={body['id']}", json=body).status_code == 204
    response = xapi.get(f"statements?statementId={body['id']}")
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"] == xapi.version
    got = response.get_json()
    assert got["id"] == body["id"] and got["verb"] == body["verb"]
    assert got["authority"]["account"]["name"] == "conformance-key"
    assert got["version"] == ("2.0.0" if xapi.version == "2.0.0" else "1.0.0")
    kept = statement(version="1.0.3")
    xapi.store(kept)
    assert xapi.get(f"statements?statementId={kept['id']}").get_json()["version"] == "1.0.3"  # kept as sent
    stored = got["stored"]
    last_modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert stored.startswith(last_modified.strftime("%Y-%m-%dT%H:%M:%S"))
    assert response.headers["X-Experience-API-Consistent-Through"]


def test_put_needs_matching_statement_id(xapi: Xapi) -> None:
    body = statement()
    assert xapi.put("statements", json=body).status_code == 400
    assert xapi.put(f"statements?statementId={uuid.uuid4()}", json=body).status_code == 400
    assert xapi.put("statements?statementId=nope", json=body).status_code == 400


def test_post_single_and_batch_returns_ids_in_order(xapi: Xapi) -> None:
    first, second = statement(), statement()
    del second["id"]
    ids = xapi.store(first, second)
    assert ids[0] == first["id"] and len(ids) == 2 and uuid.UUID(ids[1])
    single = xapi.post("statements", json=statement())
    assert single.status_code == 200 and len(single.get_json()) == 1


def test_same_id_same_content_is_accepted_once_other_content_conflicts(xapi: Xapi) -> None:
    body = statement()
    xapi.store(body)
    assert xapi.post("statements", json=body).status_code == 200
    assert xapi.put(f"statements?statementId={body['id']}", json=body).status_code == 204
    changed = dict(body, verb={"id": "http://example.com/other"})
    assert xapi.post("statements", json=changed).status_code == 409
    assert xapi.get(f"statements?statementId={body['id']}").get_json()["verb"]["id"] == VERB
    assert len(xapi.get("statements").get_json()["statements"]) == 1


def test_duplicate_ids_in_one_batch_are_rejected(xapi: Xapi) -> None:
    body = statement()
    response = xapi.post("statements", json=[body, dict(body)])
    assert response.status_code == 400 and "appears twice" in response.get_data(as_text=True)


def test_version_header_negotiation(xapi1: Xapi) -> None:
    assert xapi1.get("statements", version=None).status_code == 400
    assert xapi1.get("statements", version="0.95").status_code == 400
    assert xapi1.get("statements", version="3.0.0").status_code == 400
    assert xapi1.get("statements", version="1.0.1").headers["X-Experience-API-Version"] == "1.0.3"
    assert xapi1.get("statements", version="2.0.7").headers["X-Experience-API-Version"] == "2.0.0"
    about = xapi1.get("about", version=None, auth=None)
    assert about.status_code == 200 and about.get_json()["version"] == ["1.0.3", "2.0.0"]
    assert xapi1.get("about", auth=None).get_json()["version"][-1] == "1.0.3"
    assert "2.0.0" in xapi1.get("about", version="2.0.0", auth=None).get_json()["version"]


def test_invalid_statement_is_400_naming_the_field(xapi: Xapi) -> None:
    response = xapi.post("statements", json=statement(actor={"mbox": "learner@example.com"}))
    assert response.status_code == 400
    assert response.get_data(as_text=True).startswith("statement.actor.mbox:")
    assert xapi.post("statements", data="{not json", content_type="application/json").status_code == 400
    assert xapi.post("statements", json=[]).status_code == 400
    assert xapi.post("statements", data=json.dumps(statement()), content_type="text/plain").status_code == 400
    assert xapi.post("statements", data='{"a": NaN}', content_type="application/json").status_code == 400


def test_voiding_hides_the_statement_and_keeps_it_by_voided_id(xapi: Xapi) -> None:
    target = statement()
    xapi.store(target)
    voiding = statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target["id"]})
    xapi.store(voiding)
    assert xapi.get(f"statements?statementId={target['id']}").status_code == 404
    assert xapi.get(f"statements?voidedStatementId={target['id']}").get_json()["id"] == target["id"]
    assert xapi.get(f"statements?voidedStatementId={voiding['id']}").status_code == 404
    listed = [s["id"] for s in xapi.get("statements").get_json()["statements"]]
    assert target["id"] not in listed and voiding["id"] in listed
    # filtering by the voided statement's verb still returns the voiding statement (StatementRef rule)
    by_verb = [s["id"] for s in xapi.get(f"statements?verb={VERB}").get_json()["statements"]]
    assert by_verb == [voiding["id"]]
    # a voiding statement cannot itself be voided
    xapi.store(statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voiding["id"]}))
    assert xapi.get(f"statements?statementId={voiding['id']}").status_code == 200


def test_get_single_rejects_other_parameters(xapi: Xapi) -> None:
    body = statement()
    xapi.store(body)
    assert xapi.get(f"statements?statementId={body['id']}&verb={VERB}").status_code == 400
    assert xapi.get(f"statements?statementId={body['id']}&voidedStatementId={body['id']}").status_code == 400
    assert xapi.get(f"statements?statementId={body['id']}&format=ids&attachments=false").status_code == 200
    assert xapi.get(f"statements?statementId={uuid.uuid4()}").status_code == 404
    assert xapi.get("statements?colour=red").status_code == 400
    assert xapi.get("statements?verb=a&verb=b").status_code == 400


def _ids(xapi: Xapi, query: str) -> list[str]:
    response = xapi.get("statements?" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [s["id"] for s in response.get_json()["statements"]]


def test_query_filters(xapi: Xapi) -> None:
    registration = str(uuid.uuid4())
    other_agent = {"mbox": "mailto:other@example.com"}
    a = statement(context={"registration": registration,
                           "contextActivities": {"parent": [{"id": "http://www.example.com/module-1"}]},
                           "instructor": {"mbox": "mailto:teacher@example.com"}})
    b = statement(actor=other_agent, verb={"id": "http://adlnet.gov/expapi/verbs/passed"})
    c = statement(object={"objectType": "Agent", "mbox": "mailto:learner@example.com"})
    xapi.store(a, b, c)
    learner = json.dumps({"mbox": "mailto:learner@example.com"})
    teacher = json.dumps({"mbox": "mailto:teacher@example.com"})
    assert _ids(xapi, f"agent={learner}") == [c["id"], a["id"]]
    assert _ids(xapi, f"agent={teacher}") == []
    assert _ids(xapi, f"agent={teacher}&related_agents=true") == [a["id"]]
    assert _ids(xapi, "verb=http://adlnet.gov/expapi/verbs/passed") == [b["id"]]
    assert _ids(xapi, f"activity={ACTIVITY}") == [b["id"], a["id"]]
    assert _ids(xapi, "activity=http://www.example.com/module-1") == []
    assert _ids(xapi, "activity=http://www.example.com/module-1&related_activities=true") == [a["id"]]
    assert _ids(xapi, f"registration={registration}") == [a["id"]]
    assert _ids(xapi, f"agent={learner}&verb={VERB}&activity={ACTIVITY}") == [a["id"]]
    assert _ids(xapi, "ascending=true") == [a["id"], b["id"], c["id"]]
    assert xapi.get("statements?agent=notjson").status_code == 400
    assert xapi.get("statements?registration=nope").status_code == 400
    assert xapi.get("statements?ascending=yes").status_code == 400
    assert xapi.get("statements?limit=-1").status_code == 400
    assert xapi.get("statements?since=yesterday").status_code == 400


def test_since_until_and_paging_never_skip_or_repeat(xapi: Xapi) -> None:
    first = [statement() for _ in range(3)]
    xapi.store(*first)
    cut = xapi.get(f"statements?statementId={first[-1]['id']}").get_json()["stored"]
    later = [statement() for _ in range(4)]
    for item in later:
        xapi.store(item)
    assert set(_ids(xapi, f"since={cut}")) == {s["id"] for s in later}
    assert set(_ids(xapi, f"until={cut}")) == {s["id"] for s in first}
    seen, url = [], "statements?limit=2"
    while url:
        page = xapi.get(url).get_json()
        seen += [s["id"] for s in page["statements"]]
        url = page["more"].removeprefix("/xapi/")
        if url and len(seen) == 2:  # a statement arriving mid-paging must not disturb older pages
            xapi.store(statement())
    assert seen == [s["id"] for s in reversed(first + later)]


def test_formats_ids_and_canonical(xapi: Xapi) -> None:
    body = statement(verb={"id": VERB, "display": {"en-US": "experienced", "sr-Latn": "doživeo"}})
    xapi.store(body)
    ids = xapi.get(f"statements?statementId={body['id']}&format=ids").get_json()
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
    assert ids["verb"] == {"id": VERB} and ids["object"] == {"id": ACTIVITY}  # an Activity's objectType is no id
    canonical = xapi.get(f"statements?statementId={body['id']}&format=canonical",
                         headers={"Accept-Language": "sr-Latn"}).get_json()
    assert canonical["verb"]["display"] == {"sr-Latn": "doživeo"}
    assert xapi.get("statements?format=full").status_code == 400


def test_substatement_is_stored_and_found_by_related_agent(xapi: Xapi) -> None:
    sub = {"objectType": "SubStatement", "actor": {"mbox": "mailto:planner@example.com"},
           "verb": {"id": "http://example.com/will-attend"}, "object": {"id": "http://example.com/meeting"}}
    body = statement(object=sub)
    xapi.store(body)
    planner = json.dumps({"mbox": "mailto:planner@example.com"})
    assert _ids(xapi, f"agent={planner}&related_agents=true") == [body["id"]]
    assert _ids(xapi, "activity=http://example.com/meeting&related_activities=true") == [body["id"]]
    assert xapi.get(f"statements?statementId={body['id']}").get_json()["object"] == sub


def test_statement_ref_matches_the_filters_of_its_target(xapi: Xapi) -> None:
    target = statement(verb={"id": "http://example.com/verbs/unique"})
    ref = statement(verb={"id": "http://example.com/verbs/comments"},
                    object={"objectType": "StatementRef", "id": target["id"]})
    xapi.store(target)
    xapi.store(ref)
    assert _ids(xapi, "verb=http://example.com/verbs/unique") == [ref["id"], target["id"]]


def test_head_and_cors(xapi: Xapi) -> None:
    head = xapi.request("HEAD", "statements")
    assert head.status_code == 200 and head.data == b""
    preflight = xapi.client.options("/xapi/statements", headers={
        "Origin": "https://moodle.example.org", "Access-Control-Request-Method": "PUT"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://moodle.example.org"
    assert "X-Experience-API-Version" in preflight.headers["Access-Control-Allow-Headers"]
    assert "ETag" in preflight.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers


def test_2_0_converts_timestamps_to_utc_and_keeps_1_0_3_as_sent(xapi: Xapi) -> None:
    body = statement(timestamp="2024-01-31T14:00:00.000+02:00")
    xapi.store(body)
    got = xapi.get(f"statements?statementId={body['id']}").get_json()["timestamp"]
    if xapi.version == "2.0.0":
        assert got.startswith("2024-01-31T12:00:00.000") and got.endswith("Z")
    else:
        assert got == "2024-01-31T14:00:00.000+02:00"


def test_2_0_statement_version_needs_2_0_header(xapi1: Xapi, xapi2: Xapi) -> None:
    assert xapi1.post("statements", json=statement(version="2.0.0")).status_code == 400
    assert xapi2.post("statements", json=statement(version="2.0.0")).status_code == 200


def test_single_context_activity_is_returned_as_array_and_resend_is_same_content(xapi: Xapi) -> None:
    body = statement(context={"contextActivities": {"category": {"id": "http://www.example.com/category"}}})
    xapi.store(body)
    got = xapi.get(f"statements?statementId={body['id']}").get_json()
    assert got["context"]["contextActivities"]["category"] == [{"id": "http://www.example.com/category"}]
    assert xapi.post("statements", json=body).status_code == 200  # same statement again: accepted, unchanged
    assert "contextActivities" in body["context"] and isinstance(body["context"]["contextActivities"]["category"], dict)
