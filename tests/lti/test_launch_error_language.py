"""Refused launches speak the learner's language (no launch yet, so the browser's Accept-Language decides): the
title and the tool's own words are translated, a reason a library gives stays as the library wrote it."""
from __future__ import annotations

import html as html_lib
import re

import pytest

from tests.lti.support import launch_claims, login, rsa_key, row_counts, sign

ISS = "https://platform.example"


@pytest.fixture
def client(tool_app):
    return tool_app.test_client()


def title_and_message(response) -> tuple[str, str]:
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S).group(1)
    message = re.search(r'<p class="error-message"[^>]*>(.*?)</p>', text, re.S).group(1)
    return html_lib.unescape(heading), html_lib.unescape(message)


def test_a_replayed_launch_is_refused_in_macedonian(tool_app, client):
    answer = login(client, ISS, "client-1")
    token = sign(launch_claims(ISS, "client-1", answer.nonce))
    data = {"id_token": token, "state": answer.state}
    assert client.post("/lti/launch", data=data).status_code == 303
    before = row_counts(tool_app)
    again = client.post("/lti/launch", data=data, headers={"Accept-Language": "mk-MK,mk;q=0.9,en;q=0.5"})
    assert again.status_code == 400 and row_counts(tool_app) == before
    assert title_and_message(again) == (
        "Стартувањето не можеше да се заврши",
        "Ова стартување веќе е искористено или истекло (непознат „state“). "
        "Повторно стартувајте ја активноста од вашиот курс.")


def test_a_launch_without_state_is_refused_in_bosnian(client):
    answer = login(client, ISS, "client-1")
    response = client.post("/lti/launch", data={"id_token": sign(launch_claims(ISS, "client-1", answer.nonce))},
                           headers={"Accept-Language": "bs"})
    assert response.status_code == 400
    assert title_and_message(response) == (
        "Pokretanje se nije moglo završiti",
        "Pokretanje nema parametar „state“. Ponovo pokrenite aktivnost iz kursa.")


def test_the_frame_is_translated_and_the_library_reason_kept(client):
    """A bad signature: pylti1p3's reason in English inside the Serbian sentence; still a 401."""
    answer = login(client, ISS, "client-1")
    token = sign(launch_claims(ISS, "client-1", answer.nonce), "attacker", kid=rsa_key("platform")[2])
    response = client.post("/lti/launch", data={"id_token": token, "state": answer.state},
                           headers={"Accept-Language": "sr-Latn"})
    assert response.status_code == 401
    title, message = title_and_message(response)
    assert title == "Pokretanje nije moglo da se završi"
    assert message.startswith("Pokretanje je odbijeno: ") and "signature" in message.lower()


def test_an_unknown_platform_is_refused_in_albanian(client):
    response = client.get("/lti/login", query_string={"iss": "https://unknown.example", "login_hint": "x",
                                                       "client_id": "nobody"}, headers={"Accept-Language": "sq"})
    assert response.status_code == 404
    assert title_and_message(response) == (
        "Nisja nuk mund të përfundohej",
        "Kjo platformë (lëshuesi dhe ID-ja e klientit) nuk është e regjistruar në mjet. "
        "Një administrator e regjistron te /lti/config.")
