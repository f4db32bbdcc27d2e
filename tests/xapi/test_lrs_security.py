"""Authentication, scopes, alternate request syntax, and hostile input: never a 500, never a leak."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from lti_tool.cli import cli
from tests.xapi.conftest import KEY, VERB, Xapi, basic, statement
from xapi import clients, storage
from xapi.lrs import create_blueprint


def make_client(lrs_app, *scopes: str) -> str:  # type: ignore[no-untyped-def]
    with lrs_app.extensions["mirco"].db.transaction() as session:
        key, secret = clients.add_client(session, "-".join(scopes), list(scopes))
    return basic(key, secret)


@pytest.mark.parametrize("auth", [None, "Basic", "Basic !!!", basic("conformance-key", "wrong"),
                                  basic("nobody", "x"), "Bearer abc", "Basic " + "QQ=="])
def test_bad_credentials_are_401(xapi1: Xapi, auth: str | None) -> None:
    response = xapi1.get("statements", auth=auth)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_scopes_are_enforced(lrs_app, xapi1: Xapi) -> None:  # type: ignore[no-untyped-def]
    reader = make_client(lrs_app, "statements/read")
    writer = make_client(lrs_app, "statements/write")
    mine = make_client(lrs_app, "statements/write", "statements/read/mine")
    state_only = make_client(lrs_app, "state")
    assert xapi1.post("statements", json=statement(), auth=reader).status_code == 403
    assert xapi1.post("statements", json=statement(), auth=writer).status_code == 200
    assert xapi1.get("statements", auth=writer).status_code == 403
    own = statement()
    assert xapi1.post("statements", json=own, auth=mine).status_code == 200
    seen = [s["id"] for s in xapi1.get("statements", auth=mine).get_json()["statements"]]
    assert seen == [own["id"]]
    assert len(xapi1.get("statements", auth=reader).get_json()["statements"]) == 2
    others = xapi1.get("statements", auth=reader).get_json()["statements"][-1]["id"]
    assert xapi1.get(f"statements?statementId={others}", auth=mine).status_code == 403
    state = "activities/state?" + urlencode({"activityId": "http://x.org/a", "stateId": "s",
                                             "agent": json.dumps({"mbox": "mailto:a@x.org"})})
    assert xapi1.put(state, data="x", content_type="text/plain", auth=state_only).status_code == 204
    assert xapi1.put(state.replace("activities/state", "activities/profile"), data="x",
                     auth=state_only).status_code == 403
    assert xapi1.get("statements", auth=state_only).status_code == 403


def test_alternate_request_syntax(xapi1: Xapi, xapi2: Xapi) -> None:
    body = statement()
    form = {"X-Experience-API-Version": "1.0.3", "Authorization": basic(), "Content-Type": "application/json",
            "content": json.dumps(body), "statementId": body["id"]}
    response = xapi1.client.post("/xapi/statements?method=PUT", data=form)
    assert response.status_code == 204, response.get_data(as_text=True)
    got = xapi1.client.post("/xapi/statements?method=GET", data={
        "X-Experience-API-Version": "1.0.3", "Authorization": basic(), "statementId": body["id"]})
    assert got.status_code == 200 and got.get_json()["id"] == body["id"]
    implicit_json = statement()
    assert xapi1.client.post("/xapi/statements?method=PUT", headers={"X-Experience-API-Version": "1.0.3"}, data={
        "Authorization": basic(), "statementId": implicit_json["id"], "content": json.dumps(implicit_json)},
    ).status_code == 204
    assert xapi1.client.post("/xapi/statements?method=PUT", data={
        "X-Experience-API-Version": "1.0.3", "Authorization": basic()}).status_code == 400  # no content
    assert xapi1.client.get("/xapi/statements?method=POST", headers={
        "X-Experience-API-Version": "1.0.3", "Authorization": basic()}).status_code == 400  # not issued as POST
    assert xapi1.client.post("/xapi/statements?method=GET&statementId=" + body["id"], data={
        "X-Experience-API-Version": "1.0.3", "Authorization": basic()}).status_code == 400
    assert xapi1.client.post("/xapi/statements?method=PATCH", data=form).status_code == 400
    assert xapi1.client.post("/xapi/statements?method=GET", data={
        "X-Experience-API-Version": "1.0.3", "Authorization": "Basic nope"}).status_code == 401
    v2 = xapi2.client.post("/xapi/statements?method=GET", data={
        "X-Experience-API-Version": "2.0.0", "Authorization": basic()})
    assert v2.status_code == 400 and "2.0" in v2.get_data(as_text=True)


HOSTILE_PARAMS = [
    "verb=http://x.org/a';DROP TABLE lrs_statement;--",
    "activity=http://x.org/\"><script>alert(1)</script>",
    "agent=" + json.dumps({"mbox": "mailto:a@x.org' OR '1'='1"}),
    "registration=00000000-0000-0000-0000-000000000000' OR 1=1--",
    "limit=99999999999999999999999",
    "since=9999-99-99T99:99:99Z",
    "agent=" + json.dumps({"account": {"homePage": "http://x.org", "name": "\u0000"}}),
    "agent=" + "[" * 5000 + "]" * 5000,
]


@pytest.mark.parametrize("query", HOSTILE_PARAMS)
def test_injection_in_parameters_is_harmless(xapi: Xapi, query: str) -> None:
    xapi.store(statement())
    response = xapi.get("statements?" + urlencode(dict([query.split("=", 1)])))
    assert response.status_code in (200, 400)
    expected = "application/json" if response.status_code == 200 else "text/plain"
    assert response.content_type.startswith(expected)  # never text/html: nothing a browser would render
    assert len(xapi.get("statements").get_json()["statements"]) == 1


@pytest.mark.parametrize("payload", [
    json.dumps(statement(actor={"name": "<script>alert(1)</script>", "mbox": "mailto:x@example.com"})),
    json.dumps(statement(actor={"account": {"homePage": "http://x.org", "name": "nul\u0000byte"}})),
    json.dumps(statement(result={"response": "\ud800 lone surrogate"})),
    json.dumps(statement(result={"extensions": {"http://x.org/e": {"deep": [[[[[[[[1]]]]]]]]}}})),
    '{"actor": ' * 3000 + "1" + "}" * 3000,
    "\xff\xfe not utf-8",
    json.dumps([statement() for _ in range(3)]).replace('"mailto:learner@example.com"', "null", 1),
])
def test_hostile_statements_never_500(xapi: Xapi, payload: str) -> None:
    response = xapi.post("statements", data=payload.encode("utf-8", "surrogatepass"),
                         content_type="application/json")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200 and "script" in payload:
        got = xapi.get("statements").get_json()["statements"][0]
        assert got["actor"]["name"] == "<script>alert(1)</script>"  # stored verbatim, served as JSON only


def test_oversized_body_is_413(lrs_app) -> None:  # type: ignore[no-untyped-def]
    """Any Flask app can mount the blueprint; here with a 10 kB body limit."""
    app = Flask("small")
    app.register_blueprint(create_blueprint(lrs_app.extensions["mirco"].db.sessions,
                                            authority_home="http://lrs.example", seed_key="k", seed_secret="s",
                                            max_body_bytes=10_000))
    client = Xapi(app.test_client(), auth=basic("k", "s"))
    big = statement(result={"response": "x" * 20_000})
    assert client.post("statements", json=big).status_code == 413
    assert client.post("statements", json=statement()).status_code == 200
    assert client.get(f"statements?verb={VERB}").status_code == 200


def test_a_disabled_seed_credential_is_refused_over_http(lrs_app, live_lrs: str) -> None:  # type: ignore[no-untyped-def]
    """MIRCO_LRS_DEFAULT_KEY/SECRET stay in the settings, but `mirco lrs clients disable` revokes them."""
    from lti_tool.lrs import seed_default_client

    headers = {"X-Experience-API-Version": "1.0.3", "Authorization": basic()}
    assert requests.get(live_lrs + "statements", headers=headers, timeout=10).status_code == 200
    seed_default_client(lrs_app)  # the `mirco init` step records the seed key as a client
    assert requests.get(live_lrs + "statements", headers=headers, timeout=10).status_code == 200
    disabled = lrs_app.test_cli_runner().invoke(cli, ["lrs", "clients", "disable", KEY])
    assert disabled.exit_code == 0, disabled.output
    for method, kwargs in (("GET", {}), ("POST", {"json": statement()})):
        response = requests.request(method, live_lrs + "statements", headers=headers, timeout=10, **kwargs)
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"].startswith("Basic")
    with lrs_app.extensions["mirco"].db.sessions() as session:  # the refused POST stored nothing
        assert session.execute(select(func.count()).select_from(storage.statement)).scalar() == 0
