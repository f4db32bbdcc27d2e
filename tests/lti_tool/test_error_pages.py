"""Error pages over HTTP in every interface language: the title from the status code, the message from the
catalogs (lazy descriptions of the player, reports and e-library, and the launch messages of other modules),
an untranslated message marked lang="en"; JSON for API clients stays plain."""
from __future__ import annotations

import re

import pytest

from lti_tool.i18n import LANGUAGES

NON_ENGLISH = [lang for lang in LANGUAGES if lang.catalog != "en"]


def heading_and_message(html: str) -> tuple[str, str, str]:
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    tag = re.search(r'<p class="error-message"[^>]*>', html).group(0)
    message = re.search(r'<p class="error-message"[^>]*>(.*?)</p>', html, re.S).group(1)
    return heading, tag, message


@pytest.mark.parametrize("language", NON_ENGLISH, ids=[lang.catalog for lang in NON_ENGLISH])
def test_error_pages_speak_the_interface_language(client, language):
    for path, status, english_title, english_message in (
            ("/play/", 401, "Open this from your course",
             "This page opens from an activity in your course: launch it from there."),
            ("/library/mini-course/no-such-resource", 404, "Not found", "This resource is not in the e-library.")):
        page = client.get(path, query_string={"lang": language.tag})
        assert page.status_code == status
        html = page.get_data(as_text=True)
        assert f'<html lang="{language.tag}"' in html
        heading, tag, message = heading_and_message(html)
        assert heading and heading != english_title, (language.tag, heading)
        assert message and message != english_message and 'lang="en"' not in tag, (language.tag, message)


def test_serbian_texts(client):
    html = client.get("/library/mini-course/no-such-resource", query_string={"lang": "sr-Latn"}).get_data(as_text=True)
    heading, _, message = heading_and_message(html)
    assert heading == "Nije pronađeno" and message == "Ovaj resurs nije u e-biblioteci."
    html = client.get("/library/mini-course/no-such-resource", query_string={"lang": "sr-Cyrl"}).get_data(as_text=True)
    assert heading_and_message(html)[:3:2] == ("Није пронађено", "Овај ресурс није у е-библиотеци.")


def test_a_message_the_catalogs_lack_is_marked_english(client):
    html = client.get("/courses/nope", query_string={"lang": "sq"}).get_data(as_text=True)
    heading, tag, message = heading_and_message(html)
    assert heading == "Nuk u gjet" and 'lang="en"' in tag and "There is no course" in message


def test_english_pages_and_json_stay_unmarked(client):
    html = client.get("/play/", query_string={"lang": "en"}).get_data(as_text=True)
    heading, tag, message = heading_and_message(html)
    assert heading == "Open this from your course" and 'lang="en"' not in tag
    answer = client.get("/play/", headers={"Accept": "application/json"})
    assert answer.status_code == 401 and answer.json["message"].startswith("This page opens from an activity")


def test_parameter_messages_are_translated_and_keep_the_parameter_names(client):
    html = client.get("/library", query_string={"lang": "sr-Cyrl", "year": "abc"}).get_data(as_text=True)
    _, tag, message = heading_and_message(html)
    assert "Параметар &#39;year&#39; мора бити цео број од 1000 до 2100." == message and 'lang="en"' not in tag
    html = client.get("/library", query_string={"lang": "sq", "type": "nope"}).get_data(as_text=True)
    assert "Parametri &#39;type&#39; duhet të jetë një nga vlerat:" in heading_and_message(html)[2]
    html = client.get("/play/", query_string={"lang": "sr-Latn"}).get_data(as_text=True)
    assert "Ova stranica se otvara iz aktivnosti" in heading_and_message(html)[2]
