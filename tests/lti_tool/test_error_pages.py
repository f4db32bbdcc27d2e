"""Error pages over HTTP in every interface language: the title from the status code, the message translated where
it is written with `_l()` (player, reports, e-library, launch checks, catalogue, language switcher, registration);
a plain string is shown as written and marked lang="en" (never looked up in the catalogs); JSON for API clients."""
from __future__ import annotations

import html as html_lib
import re

import pytest

from lti_tool.errors import render_error
from lti_tool.i18n import LANGUAGES

NON_ENGLISH = [lang for lang in LANGUAGES if lang.catalog != "en"]

# catalog -> (401 title, require_launch's message, 404 title, the e-library's message), as the catalogs have them
EXPECTED = {
    "sr_Latn": ("Otvorite ovo iz svog kursa",
                "Ova stranica se otvara iz aktivnosti u vašem kursu: pokrenite je odande.",
                "Nije pronađeno", "Ovaj resurs nije u e-biblioteci."),
    "sr_Cyrl": ("Отворите ово из свог курса",
                "Ова страница се отвара из активности у вашем курсу: покрените је оданде.",
                "Није пронађено", "Овај ресурс није у е-библиотеци."),
    "sq": ("Hapeni këtë nga kursi juaj",
           "Kjo faqe hapet nga një aktivitet në kursin tuaj: nisni atë prej andej.",
           "Nuk u gjet", "Ky burim nuk është në e-bibliotekë."),
    "mk": ("Отворете го ова од вашиот курс",
           "Оваа страница се отвора од активност во вашиот курс: стартувајте ја оттаму.",
           "Не е пронајдено", "Овој ресурс не е во е-библиотеката."),
    "bs": ("Otvorite ovo iz svog kursa",
           "Ova stranica se otvara iz aktivnosti u vašem kursu: pokrenite je odatle.",
           "Nije pronađeno", "Ovaj resurs nije u e-biblioteci."),
    "hr": ("Otvorite ovo iz svojeg tečaja",
           "Ova se stranica otvara iz aktivnosti u vašem tečaju: pokrenite je odande.",
           "Nije pronađeno", "Ovaj resurs nije u e-knjižnici."),
    "sr_Latn_ME": ("Otvorite ovo iz svog kursa",
                   "Ova stranica se otvara iz aktivnosti u vašem kursu: pokrenite je odatle.",
                   "Nije pronađeno", "Ovaj resurs nije u e-biblioteci."),
}


def heading_and_message(html: str) -> tuple[str, str, str]:
    """(h1 text, the message's opening <p> tag, message text), entities decoded."""
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    tag = re.search(r'<p class="error-message"[^>]*>', html).group(0)
    message = re.search(r'<p class="error-message"[^>]*>(.*?)</p>', html, re.S).group(1)
    return html_lib.unescape(heading), tag, html_lib.unescape(message)


def test_every_language_is_expected() -> None:
    assert set(EXPECTED) == {lang.catalog for lang in NON_ENGLISH}


@pytest.mark.parametrize("language", NON_ENGLISH, ids=[lang.catalog for lang in NON_ENGLISH])
def test_error_pages_speak_the_interface_language(client, language):
    title_401, message_401, title_404, message_404 = EXPECTED[language.catalog]
    for path, status, title, message in (("/play/", 401, title_401, message_401),
                                         ("/library/mini-course/no-such-resource", 404, title_404, message_404)):
        page = client.get(path, query_string={"lang": language.tag})
        assert page.status_code == status
        html = page.get_data(as_text=True)
        assert f'<html lang="{language.tag}"' in html
        assert '<h1 lang="en"' not in html
        heading, tag, shown = heading_and_message(html)
        assert (heading, shown) == (title, message), language.tag
        assert 'lang="en"' not in tag


def test_an_abort_of_require_launch_follows_the_browser_language(client):
    """No launch, no ?lang=: Accept-Language decides (Albanian here)."""
    page = client.get("/play/", headers={"Accept-Language": "sq,en;q=0.5"})
    assert page.status_code == 401
    heading, tag, message = heading_and_message(page.get_data(as_text=True))
    assert heading == "Hapeni këtë nga kursi juaj"
    assert message == "Kjo faqe hapet nga një aktivitet në kursin tuaj: nisni atë prej andej."
    assert 'lang="en"' not in tag


REFUSALS = [  # (id, method, path, Accept-Language, status, title, message)
    ("launch-without-id_token-sr-Latn", "post", "/lti/launch", "sr-Latn", 400,
     "Pokretanje nije moglo da se završi", "Pokretanje nema „id_token“: otvorite aktivnost iz svog kursa."),
    ("launch-opened-by-address-sr-ME", "get", "/lti/launch", "sr-ME", 405, "Pokretanje se nije moglo završiti",
     "Pokretanje je obrazac koji platforma šalje poslije prijave; otvorite aktivnost iz svog kursa."),
    ("login-without-iss-sq", "get", "/lti/login", "sq", 400, "Nisja nuk mund të përfundohej",
     "Kërkesa për hyrje nuk ka “iss” ose “login_hint”: nisni aktivitetin nga kursi juaj."),
    ("registration-without-configuration-hr", "get", "/lti/register", "hr", 400, "Registracija nije uspjela",
     "Ovu adresu otvara platforma tijekom dinamičke registracije, s parametrom „openid_configuration”. "
     "Zalijepite je u registraciju alata na svojoj platformi."),
    ("unknown-language-mk", "post", "/language", "mk", 400, "Неисправно барање",
     "Изберете еден од понудените јазици."),
    ("unknown-course-sq", "get", "/courses/nope", "sq", 404, "Nuk u gjet", "Në këtë katalog nuk ka kurs 'nope'."),
    ("unknown-course-sr-Cyrl", "get", "/courses/nope", "sr-Cyrl", 404, "Није пронађено",
     "У овом каталогу нема курса 'nope'."),
]


@pytest.mark.parametrize("method, path, accept, status, title, message", [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_refusals_are_translated(client, method, path, accept, status, title, message):
    """Launch, login, registration, language switcher and catalogue refusals, in the browser's language."""
    response = client.open(path, method=method.upper(), headers={"Accept-Language": accept})
    assert response.status_code == status
    html = response.get_data(as_text=True)
    heading, tag, shown = heading_and_message(html)
    assert (heading, shown) == (title, message)
    assert 'lang="en"' not in tag and '<h1 lang="en"' not in html


def test_a_plain_string_is_shown_unchanged_and_marked_english(app):
    """Plain str is never looked up: not even a text that happens to be a catalog message ("Not found")."""
    @app.get("/test-plain-error")
    def plain_error():  # type: ignore[no-untyped-def]
        return render_error(404, "Not found", "Not found: 100% of 'x' & <y>")

    page = app.test_client().get("/test-plain-error", query_string={"lang": "sr-Latn"})
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert '<h1 lang="en">Not found</h1>' in html
    heading, tag, message = heading_and_message(html)
    assert (heading, message) == ("Not found", "Not found: 100% of 'x' & <y>") and 'lang="en"' in tag
    assert "&lt;y&gt;" in html  # escaped, not markup
    english = app.test_client().get("/test-plain-error", query_string={"lang": "en"}).get_data(as_text=True)
    assert 'lang="en"' not in heading_and_message(english)[1] and "<h1>Not found</h1>" in english


def test_english_pages_and_json_stay_unmarked(client):
    html = client.get("/play/", query_string={"lang": "en"}).get_data(as_text=True)
    heading, tag, message = heading_and_message(html)
    assert heading == "Open this from your course" and 'lang="en"' not in tag
    assert message == "This page opens from an activity in your course: launch it from there."
    answer = client.get("/play/", headers={"Accept": "application/json"})
    assert answer.status_code == 401
    assert answer.json == {"error": "Unauthorized",
                           "message": "This page opens from an activity in your course: launch it from there."}


def test_parameter_messages_are_translated_and_keep_the_parameter_names(client):
    html = client.get("/library", query_string={"lang": "sr-Cyrl", "year": "abc"}).get_data(as_text=True)
    _, tag, message = heading_and_message(html)
    assert message == "Параметар 'year' мора бити цео број од 1000 до 2100." and 'lang="en"' not in tag
    html = client.get("/library", query_string={"lang": "sq", "type": "nope"}).get_data(as_text=True)
    assert heading_and_message(html)[2].startswith("Parametri 'type' duhet të jetë një nga vlerat:")
