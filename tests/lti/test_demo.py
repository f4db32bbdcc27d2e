"""The demo platform at /demo: only with MIRCO_DEMO=1, and a real LTI 1.3 flow when on."""
from __future__ import annotations

import lxml.html

from lti_tool.lti.services import drain_scores
from lti_tool.state import app_state
from lti_tool.worker import run_pass
from tests.conftest import empty_all_tables
from tests.lti.conftest import build_tool
from tests.lti.support import Browser, Server, gradebook_rows
from tests.servers import free_port


def follow(client, response):
    """Follow redirects and auto-posting forms inside one app (the demo platform lives in the tool)."""
    for _ in range(8):
        if response.status_code in (302, 303):
            response = client.get(response.location)
            continue
        text = response.get_data(as_text=True)
        if response.status_code == 200 and 'id="autopost"' in text:
            form = lxml.html.fromstring(text).get_element_by_id("autopost")
            response = client.post(form.get("action"), data={i.get("name"): i.get("value")
                                                             for i in form.findall(".//input")})
            continue
        return response
    raise AssertionError("too many hops")


def test_demo_is_off_by_default(tool_app):
    assert tool_app.test_client().get("/demo/").status_code == 404


def test_demo_launches_as_learner_and_instructor(database_url, tmp_path):
    # a port nothing listens on: with 5000, `make run`'s demo (the same address) got this test's token requests
    port = free_port()
    app = build_tool(database_url, tmp_path / "instance", port, demo=True)
    client = app.test_client()
    index = client.get("/demo/")
    assert index.status_code == 200 and "launch as learner" in index.get_data(as_text=True)
    page = follow(client, client.get("/demo/platform/start/resource/learner-1?link=link-1"))
    assert page.status_code == 200 and "Refugee protection essentials" in page.get_data(as_text=True)
    teacher = app.test_client()
    picker = follow(teacher, teacher.get("/demo/platform/start/deeplink/teacher-1"))
    assert picker.status_code == 200 and "Choose what to add" in picker.get_data(as_text=True)
    members = teacher.get(f"http://127.0.0.1:{port}/play/members")  # no server listens on the demo's base URL: last known list
    assert members.status_code == 200 and "could not be refreshed" in members.get_data(as_text=True)
    app_state(app).db.dispose()
    empty_all_tables(database_url)


def test_demo_gradebook_receives_the_score_over_http(database_url, tmp_path):
    """Newcomer's path: launch from /demo, answer the quiz, `mirco worker` sends the score to the demo gradebook."""
    port = free_port()
    app = build_tool(database_url, tmp_path / "instance", port, demo=True)
    server = Server(app, port)
    try:
        browser = Browser()
        page = browser.open(f"{server.url}/demo/platform/start/resource/learner-1?link=link-1")
        assert page.status_code == 200 and "/play/" in page.url
        quiz = browser.http.get(server.url + "/play/quiz/m1-quiz", timeout=10)
        assert browser.submit(quiz, None, **{"q-q1": "a", "confirm": "1"}).status_code == 200
        assert run_pass(app, [drain_scores]) == 1
        (score,) = app.extensions["mirco.demo"].scores
        assert score["userId"] == "learner-1" and score["scoreMaximum"] == 100
        rows = gradebook_rows(browser.http.get(server.url + "/demo/", timeout=10).text)
        assert [(row[0], row[2].endswith("/ 100")) for row in rows] == [("learner-1", True)]
    finally:
        server.close()
        app_state(app).db.dispose()
        empty_all_tables(database_url)
