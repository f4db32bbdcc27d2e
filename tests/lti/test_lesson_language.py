"""A learner sees which language a lesson is really in: a lesson without a translation in the learner's language
says so, and its text carries lang="en" for screen readers; a translated lesson carries no such mark."""
from __future__ import annotations

import lxml.html

from tests.lti.test_flow import launch_as


def _article(browser, url: str):  # type: ignore[no-untyped-def]
    page = browser.http.get(url, timeout=10)
    assert page.status_code == 200, page.text
    return lxml.html.fromstring(page.text).xpath("//article")[0]


def test_an_untranslated_lesson_in_a_serbian_page_is_marked_english(tool, platform):
    browser, _ = launch_as(platform)
    fallback = _article(browser, tool.url + "/play/lesson/m1-basics/m1-l2-non-refoulement?lang=sr_Latn")
    assert fallback.getroottree().getroot().get("lang") == "sr-Latn"
    note = fallback.xpath(".//p[@class='language-note']")
    assert note and "English" in note[0].text_content(), lxml.html.tostring(fallback, encoding=str)
    assert fallback.xpath(".//h1")[0].get("lang") == "en"
    content = fallback.xpath(".//div[@lang='en']")
    assert content and "Article 33 of the 1951 Convention" in content[0].text_content()

    translated = _article(browser, tool.url + "/play/lesson/m1-basics/m1-l1-definition?lang=sr_Latn")
    assert "Definicija izbeglice" in translated.text_content()
    assert not translated.xpath(".//p[@class='language-note']") and not translated.xpath(".//*[@lang]")

    cyrillic = _article(browser, tool.url + "/play/lesson/m1-basics/m1-l1-definition?lang=sr_Cyrl")
    assert "Дефиниција избеглице" in cyrillic.text_content() and not cyrillic.xpath(".//*[@lang]")

    english = _article(browser, tool.url + "/play/lesson/m1-basics/m1-l2-non-refoulement?lang=en")
    assert not english.xpath(".//p[@class='language-note']") and not english.xpath(".//*[@lang]")
