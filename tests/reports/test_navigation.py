"""The player's navigation over HTTP: trainers launched into a course see "Reports" (leading to that course's
reports), learners never do, on any player page; the report pages link back to the activity."""
from __future__ import annotations

import re

import pytest

PLAYER_PAGES = ("/play/", "/play/lesson/m1-basics/m1-l1-definition", "/play/quiz/m1-quiz")


def nav(html: str) -> str:
    return html.split('<nav class="site-nav"')[1].split("</nav>")[0]


@pytest.mark.parametrize("who", ["I", "TA"])
def test_trainers_see_reports_on_every_player_page(client, seeded, who):
    launch = seeded.launches[who].launch_id
    for path in PLAYER_PAGES:
        page = client.get(f"{path}?launch={launch}")
        assert page.status_code == 200, path
        links = dict((text, href) for href, text in
                     re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav(page.get_data(as_text=True))))
        assert links["Reports"] == f"/reports/{seeded.context_pk}/mini-course/?launch={launch}", path
        assert links["Activity"] == f"/play/?launch={launch}"
        assert client.get(links["Reports"]).status_code == 200


def test_learners_never_see_reports(client, seeded):
    for who in "ABCDE":
        launch = seeded.launches[who].launch_id
        for path in PLAYER_PAGES:
            html = client.get(f"{path}?launch={launch}").get_data(as_text=True)
            assert "Reports" not in nav(html) and "/reports/" not in html, (who, path)
        result = client.post(f"/play/quiz/m1-quiz?launch={launch}", data={"launch": launch})
        assert "/reports/" not in result.get_data(as_text=True)


def test_report_pages_mark_reports_current_and_lead_back_to_the_activity(client, seeded):
    html = client.get(seeded.url("I", "learners")).get_data(as_text=True)
    menu = nav(html)
    assert 'aria-current="page">Reports</a>' in menu
    assert f'href="/play/?launch={seeded.launches["I"].launch_id}"' in menu


def test_no_reports_link_without_a_launch(client):
    html = client.get("/").get_data(as_text=True)
    assert "Reports" not in nav(html)


def test_a_quiz_submitted_after_the_last_attempt_is_refused_in_the_learners_language(client, seeded):
    launch = seeded.launches["D"].launch_id  # D has used both attempts
    for lang, words in (("sr-Latn", "Iskoristili ste sva 2 pokušaja na ovom kvizu."),
                        ("mk", "Ги искористивте сите 2 обиди на овој квиз."),
                        ("en", "You have used all 2 attempts at this quiz.")):
        answer = client.post(f"/play/quiz/m1-quiz?lang={lang}", data={"launch": launch, "q-q1": "a",
                                                                      "token": f"a-third-attempt-in-{lang}"})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 409 and words in html, lang
        assert 'class="error-message" role="alert">' in html  # translated: not marked as English
