"""Interface language: mapping of locale names, the order of choice, the switcher and course content language."""
from __future__ import annotations

import pytest
from flask import g

from lti_tool.i18n import match_language


@pytest.mark.parametrize("raw, catalog", [
    ("en", "en"), ("en-GB", "en"), ("EN_us", "en"),
    ("sr", "sr_Cyrl"), ("sr-RS", "sr_Cyrl"), ("sr-Cyrl", "sr_Cyrl"), ("sr_Cyrl_RS", "sr_Cyrl"),
    ("sr-Latn", "sr_Latn"), ("sr-Latn-RS", "sr_Latn"), ("sr_Latn", "sr_Latn"), ("sr_lt", "sr_Latn"),
    ("sr_cr", "sr_Cyrl"), ("sh", "sr_Latn"),
    ("sr-ME", "sr_Latn_ME"), ("sr-Latn-ME", "sr_Latn_ME"), ("sr_Latn_ME", "sr_Latn_ME"), ("cnr", "sr_Latn_ME"),
    ("cnr-ME", "sr_Latn_ME"), ("sr-Cyrl-ME", "sr_Cyrl"),
    ("bs", "bs"), ("bs-Latn-BA", "bs"), ("hr-HR", "hr"), ("sq", "sq"), ("sq-XK", "sq"), ("mk-MK", "mk"),
])
def test_locale_names_map_to_catalogs(raw: str, catalog: str) -> None:
    language = match_language(raw)
    assert language is not None and language.catalog == catalog


@pytest.mark.parametrize("raw", [None, "", "de", "fr-FR", "x", "../../etc/passwd", "sr;q=1", "a" * 500,
                                 "sr-Latn\nX-Injected: 1", "<script>"])
def test_unsupported_or_hostile_names_match_nothing(raw: str | None) -> None:
    assert match_language(raw) is None


def _html_lang(response) -> str:
    text = response.get_data(as_text=True)
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


def test_accept_language_then_english(client) -> None:
    assert _html_lang(client.get("/")) == "en"
    assert _html_lang(client.get("/", headers={"Accept-Language": "de-DE, mk;q=0.8, sq;q=0.5"})) == "mk"
    assert _html_lang(client.get("/", headers={"Accept-Language": "sr"})) == "sr-Cyrl"
    assert _html_lang(client.get("/", headers={"Accept-Language": "cnr-ME"})) == "sr-Latn-ME"


def test_switcher_choice_beats_accept_language_and_query_beats_both(client) -> None:
    chosen = client.post("/language", data={"lang": "sr_Latn", "next": "/courses/mini-course"})
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/courses/mini-course?lang=sr-Latn"
    page = client.get("/courses/mini-course", headers={"Accept-Language": "mk"})  # the session alone
    assert _html_lang(page) == "sr-Latn" and "Osnove zaštite izbeglica" in page.get_data(as_text=True)
    assert _html_lang(client.get("/?lang=sq")) == "sq"


def test_launch_locale_beats_accept_language(app) -> None:
    app.before_request(lambda: setattr(g, "launch_locale", "sq-AL"))
    client = app.test_client()
    assert _html_lang(client.get("/", headers={"Accept-Language": "mk"})) == "sq"
    client.post("/language", data={"lang": "mk"})
    assert _html_lang(client.get("/")) == "mk"  # the learner's own choice wins over the launch


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:1",
                                    "", "relative/path"])
def test_switcher_never_redirects_off_site(client, target: str) -> None:
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/?lang=en"


@pytest.mark.parametrize("lang", ["", "klingon", "x" * 10_000, "<script>"])
def test_switcher_refuses_unknown_languages(client, lang: str) -> None:
    response = client.post("/language", data={"lang": lang})
    assert response.status_code == 400 and "Choose one of the offered languages" in response.get_data(as_text=True)


def test_switcher_form_is_labelled_and_returns_to_the_page_without_lang(client) -> None:
    text = client.get("/courses/mini-course?lang=mk&x=1").get_data(as_text=True)
    assert '<label for="language-select">Јазик</label>' in text
    assert 'name="next" value="/courses/mini-course?x=1"' in text
    assert '<option value="sr_Latn_ME" lang="sr-Latn-ME">Crnogorski</option>' in text


def test_links_between_pages_keep_the_language_of_the_address(client) -> None:
    text = client.get("/?lang=mk").get_data(as_text=True)
    assert 'href="/courses/mini-course?lang=mk"' in text and 'href="/library?lang=mk"' in text
    assert 'href="/static/mirco.css"' in text  # assets are not language-specific
    assert 'href="/courses/mini-course"' in client.get("/?lang=klingon").get_data(as_text=True)


def test_course_content_follows_the_interface_language(client) -> None:
    assert "Osnove zaštite izbeglica" in client.get("/?lang=sr-Latn").get_data(as_text=True)
    cyrillic = client.get("/?lang=sr-Cyrl").get_data(as_text=True)
    assert "Основе заштите избеглица" in cyrillic and "Каталог курсева" in cyrillic
    montenegrin = client.get("/?lang=sr-Latn-ME").get_data(as_text=True)  # falls back to sr-Latn content
    assert "Osnove zaštite izbeglica" in montenegrin and "Katalog kurseva" in montenegrin
    albanian = client.get("/?lang=sq").get_data(as_text=True)  # no Albanian content: course default language
    assert "Refugee protection essentials" in albanian and "Katalogu i kurseve" in albanian


def test_numbers_and_durations_are_localised(client) -> None:
    assert "2 sata" in client.get("/?lang=sr-Latn").get_data(as_text=True)
    assert "2 часа" in client.get("/?lang=mk").get_data(as_text=True)
    assert "1 наставни програм" in client.get("/?lang=sr-Cyrl").get_data(as_text=True)
