"""The learner player over real HTTP after a launch: progress, continue where I left off, every question type,
per-question feedback, the attempts policy."""
from __future__ import annotations

import lxml.html

from tests.lti.test_flow import launch_as

WRONG = {"q-q1": "b", "q-q2": "false", "q-q3": ["a", "c"], "q-q4-p1": "p2", "q-q4-p2": "p1",
         "q-q5-i1": "3", "q-q5-i2": "2", "q-q5-i3": "1", "q-q6": "34"}


def _progress(page_text: str) -> str:
    return lxml.html.fromstring(page_text).get_element_by_id("activity-progress").get("value")


def test_outline_progress_and_continue_where_i_left_off(tool, platform):
    browser, outline = launch_as(platform)
    assert _progress(outline.text) == "0" and "Start: The refugee definition" in outline.text
    assert "Learning outcomes of this module" in outline.text and "resource of this curriculum" in outline.text
    lesson = browser.http.get(tool.url + "/play/lesson/m1-basics/m1-l1-definition", timeout=10)
    assert 'rel="next"' in lesson.text and 'rel="prev"' not in lesson.text
    outline = browser.http.get(tool.url + "/play/", timeout=10)
    assert _progress(outline.text) != "0"
    assert "Continue where you left off: Non-refoulement" in outline.text and "Visited" in outline.text
    last = browser.http.get(tool.url + "/play/lesson/m1-basics/m1-l2-non-refoulement", timeout=10)
    assert 'rel="prev"' in last.text and "Take the quiz: Module 1 check" in last.text


def test_every_question_type_is_labelled_and_options_are_not_in_answer_order(tool, platform):
    browser, _ = launch_as(platform)
    page = browser.http.get(tool.url + "/play/quiz/m1-quiz", timeout=10)
    doc = lxml.html.fromstring(page.text)
    form = doc.forms[-1]
    for control in form.xpath(".//input[@type!='hidden'] | .//select"):
        assert doc.xpath(f"//label[@for='{control.get('id')}']"), control.get("name")
    assert len(form.xpath(".//fieldset")) == 6
    ordering = [s.get("name") for s in form.xpath(".//select[starts-with(@name, 'q-q5-')]")]
    assert ordering != ["q-q5-i1", "q-q5-i2", "q-q5-i3"]  # the written order is the answer
    assert page.text.count("Attempt 1 of 2") == 1


def test_feedback_per_question_and_attempts_policy(tool, platform):
    browser, _ = launch_as(platform)
    quiz = browser.http.get(tool.url + "/play/quiz/m1-quiz", timeout=10)
    result = browser.submit(quiz, None, **WRONG)
    assert result.status_code == 200 and "Not passed" in result.text
    text = lxml.html.fromstring(result.text).text_content()
    assert "Your answer: Article 1F" in text and "Correct answer: Article 33" in text
    assert "Article 1F lists the exclusion clauses." in text  # feedback of the chosen option
    assert "Correct answer: Refugee Convention → 1951; Protocol → 1967" in text
    assert "Your answer: Global Compact on Refugees → Protocol relating" in text
    assert "Explanation: Article 33." in text and "Try again" in text
    second = browser.submit(browser.http.get(tool.url + "/play/quiz/m1-quiz", timeout=10), None, **WRONG)
    assert "Try again" not in second.text
    exhausted = browser.http.get(tool.url + "/play/quiz/m1-quiz", timeout=10)
    assert "You have used all 2 attempts at this quiz." in exhausted.text and "<form class=\"quiz\"" not in exhausted.text
    launch_id = lxml.html.fromstring(quiz.text).forms[-1].fields["launch"]
    refused = browser.http.post(tool.url + "/play/quiz/m1-quiz", timeout=10,
                                data={**WRONG, "launch": launch_id, "token": "a-fresh-token-of-a-third-try"})
    assert refused.status_code == 409


def test_player_speaks_the_launch_language(tool, platform):
    browser, _ = launch_as(platform)
    outline = browser.http.get(tool.url + "/play/?lang=sr-Latn", timeout=10)
    assert '<html lang="sr-Latn"' in outline.text and "Vaš napredak" in outline.text
    assert "Definicija izbeglice" in outline.text
