"""The report pages over HTTP: who may see what, what the pages and exports say, and hostile parameters."""
from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest
from openpyxl import load_workbook


def test_learner_gets_403_and_no_launch_401(client, seeded):
    assert client.get(seeded.url("A")).status_code == 403
    assert client.get(seeded.url("A", "learners")).status_code == 403
    assert client.get(seeded.url("A", "export/learners.csv")).status_code == 403
    assert client.get("/reports/").status_code == 401
    assert client.get(f"/reports/{seeded.context_pk}/mini-course/").status_code == 401


@pytest.mark.parametrize("who", ["I", "TA"])
def test_instructor_like_roles_read_their_context(client, seeded, who):
    page = client.get(seeded.url(who))
    assert page.status_code == 200
    assert "Learner" not in page.get_data(as_text=True).split("<main")[0]
    index = client.get(f"/reports/?launch={seeded.launches[who].launch_id}")
    assert index.status_code == 302 and f"/reports/{seeded.context_pk}/mini-course/" in index.location


def test_trainer_sees_only_their_contexts(client, seeded):
    other = seeded.other_context_pk
    for path in ("", "learners", "items", "outcomes", "export/learners.csv", "export/statements.ndjson",
                 f"learners/{seeded.users['G']}"):
        assert client.get(seeded.url("I", path, context_pk=other)).status_code == 404, path
    assert client.get(seeded.url("I", f"learners/{seeded.users['G']}")).status_code == 404
    assert client.get(seeded.url("I", f"learners/{seeded.users['I2']}")).status_code == 404
    table = client.get(seeded.url("I2", "learners", context_pk=other)).get_data(as_text=True)
    assert "Learner G" in table and "Learner A" not in table


def test_platform_administrator_reads_every_context(client, seeded):
    index = client.get(f"/reports/?launch={seeded.launches['ADMIN'].launch_id}").get_data(as_text=True)
    assert index.split("<main")[1].count("mini-course/") == 2
    assert client.get(seeded.url("ADMIN")).status_code == 200
    assert client.get(seeded.url("ADMIN", context_pk=seeded.other_context_pk)).status_code == 200


def test_overview_page(client, seeded):
    html = client.get(seeded.url("I")).get_data(as_text=True)
    assert '<svg class="chart"' in html and 'aria-hidden="true"' in html
    assert "<th scope=\"row\">Enrolled</th><td>6</td>" in html
    assert "<th scope=\"row\">Completed</th><td>3</td>" in html
    assert "<th scope=\"row\">Average score on the quizzes taken (%)</th><td>60</td>" in html
    assert "<th scope=\"row\">Who is a refugee?</th><td>6</td><td>5</td><td>3</td><td>4</td>" in html


def test_learner_table_filters_and_sorting(client, seeded):
    def names(**args: str) -> list[str]:
        text = client.get(seeded.url("I", "export/learners.csv", **args)).get_data(as_text=True)
        return [row["Learner"] for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]

    assert names() == [f"Learner {x}" for x in "ABCDEF"]
    assert names(sort="score", dir="desc") == ["Learner D", "Learner A", "Learner B", "Learner C", "Learner E",
                                               "Learner F"]
    assert names(q="learner c") == ["Learner C"]
    assert names(q="b@mup") == ["Learner B"]
    assert names(institution="mup.gov.rs") == ["Learner A", "Learner B"]
    assert names(status="not_started") == ["Learner F"]
    assert names(**{"from": "2000-01-01", "to": "2999-12-31"}) == [f"Learner {x}" for x in "ABCDE"]
    assert names(**{"from": "2000-01-01", "to": "2000-01-02"}) == []
    assert names(q="%") == [] and names(q="_") == []
    html = client.get(seeded.url("I", "learners", sort="progress", dir="desc", limit="2", page="2")).get_data(
        as_text=True)
    assert "6 learners match." in html and "Page 2 of 3" in html and 'aria-sort="descending"' in html
    beyond = client.get(seeded.url("I", "learners", page="99")).get_data(as_text=True)
    assert "6 learners match." in beyond and "No learner matches these filters." in beyond


def test_learner_timeline(client, seeded):
    html = client.get(seeded.url("I", f"learners/{seeded.users['D']}")).get_data(as_text=True)
    assert "Learner D" in html
    assert html.count("Answered “") == 12  # two attempts of six questions
    assert "Failed “Module 1 check” with 33% (time: 2 minutes)." in html
    assert "Passed “Module 1 check” with 100% (time: 2 minutes)." in html
    assert "Completed “Who is a refugee?” (time: 4 minutes)." in html
    assert "Read the lesson “Non-refoulement”." in html and "Learner A" not in html


def timeline_sentences(client, seeded, who: str, **args: str) -> list[str]:
    html = client.get(seeded.url("I", f"learners/{seeded.users[who]}", **args)).get_data(as_text=True)
    items = html.split('class="timeline"')[1].split("</ol>")[0]
    return [unescape(re.sub(r"<[^>]+>", "", s)) for s in re.findall(r'<span class="sentence">(.*?)</span>', items)]


def test_timeline_answers_read_as_sentences_with_the_courses_words(client, seeded):
    """D's first attempt: q1 b (wrong), q2 true, q3 a only, q4 p1->p2 p2->p1, q5 i3 i2 i1, q6 33; no raw codes."""
    sentences = timeline_sentences(client, seeded, "D")
    first = sentences[len(sentences) // 2:]  # newest first: the second attempt, then the first
    expected = [
        "Answered “Which article of the 1951 Convention sets out non-refoulement?” with “Article 1F” — incorrect.",
        "Answered “The 1967 Protocol removed the Convention's geographic and time limits.” with “True” — correct.",
        "Answered “Which are Convention grounds of persecution?” with “Religion” — incorrect.",
        "Answered “Match each instrument to its year.” with “Refugee Convention → 1967 and Protocol → 1951” — "
        "incorrect.",
        "Answered “Put the instruments in chronological order.” with “Global Compact on Refugees → Protocol relating "
        "to the Status of Refugees → Refugee Convention” — incorrect.",
        "Answered “Non-refoulement is set out in Article ___ of the 1951 Convention.” with “33” — correct."]
    for sentence in expected:
        assert sentence in first, sentence
    assert "Answered “Which are Convention grounds of persecution?” with “Religion and Political opinion” — correct." \
        in sentences[:len(sentences) // 2]
    assert not any("[,]" in s or "[.]" in s or "response:" in s for s in sentences)


def test_timeline_speaks_the_trainers_language_with_the_courses_translations(client, seeded):
    sentences = timeline_sentences(client, seeded, "A", lang="sr-Latn")
    assert any("„Provera modula 1“, rezultat 67%" in s for s in sentences)  # quiz.sr-Latn.yaml, Serbian quotes
    assert any("Pročitana lekcija „Definicija izbeglice“" in s for s in sentences)  # 01-definition.sr-Latn.md
    assert any("Protokol iz 1967. ukinuo je geografska i vremenska ograničenja Konvencije." in s
               for s in sentences)  # the question's prompt
    assert any("minut" in s for s in sentences) and not any("minutes" in s for s in sentences)
    html = client.get(seeded.url("I", f"learners/{seeded.users['A']}", lang="sr-Latn")).get_data(as_text=True)
    stamp = re.search(r'<time datetime="(\d{4})-(\d\d)-(\d\d)T[\d:]{8}\+00:00">([^<]+)</time>', html)
    year, month, day, shown = stamp.groups()
    assert shown.startswith(f"{int(day)}. {int(month)}. {year}.")  # the Serbian date order


def test_exports(client, seeded):
    response = client.get(seeded.url("I", "export/learners.xlsx"))
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1]))
    assert "Score (%)" in header and first["Learner"] == "Learner A" and first["Score (%)"] == 66.7
    assert first["Status"] == "completed" and first["Progress (%)"] == 100
    for name in ("overview", "modules", "items", "distractors", "outcomes"):
        for fmt in ("csv", "xlsx"):
            assert client.get(seeded.url("I", f"export/{name}.{fmt}")).status_code == 200, (name, fmt)
    items = list(csv.DictReader(io.StringIO(client.get(seeded.url("I", "export/items.csv")).get_data(
        as_text=True).lstrip("\ufeff"))))
    assert [(r["Question"], r["Facility"], r["Discrimination"], r["Flags"]) for r in items][-1] == \
        ("q6", "0.6", "-0.91", "misleading")  # point-biserial -0.910
    timeline = client.get(seeded.url("I", "export/timeline.csv", user=str(seeded.users["A"])))
    assert timeline.status_code == 200 and "Answered" in timeline.get_data(as_text=True)


def test_ndjson_export_of_the_selection(client, seeded):
    body = client.get(seeded.url("I", "export/statements.ndjson", institution="mup.gov.rs")).get_data(as_text=True)
    statements = [json.loads(line) for line in body.splitlines()]
    actors = {s["actor"]["account"]["name"] for s in statements}
    assert actors == {"sub-A", "sub-B"}
    assert {s["actor"]["account"]["homePage"] for s in statements} == {"https://moodle.example.org"}
    # A: 2 lessons, 6 answers, 1 quiz result, 1 module completion
    assert sum(1 for s in statements if s["actor"]["account"]["name"] == "sub-A") == 10


@pytest.mark.parametrize("args", [
    {"sort": "name; DROP TABLE attempt"}, {"sort": "password"}, {"dir": "sideways"}, {"from": "2024-13-01"},
    {"to": "yesterday"}, {"from": "2025-02-01", "to": "2025-01-01"}, {"to": "9999-12-31"}, {"limit": "1000000"},
    {"limit": "0"}, {"limit": "-5"}, {"page": "0"}, {"page": "1e9"}, {"page": "99999999999999999999"},
    {"institution": "x\x07"}, {"institution": "i" * 256}, {"institution": "$Person.org"}, {"status": "<script>"},
    {"q": "x" * 101},
])
def test_bad_parameters_get_400(client, seeded, args):
    for path in ("learners", "export/learners.csv", "export/statements.ndjson"):
        response = client.get(seeded.url("I", path, **args))
        assert response.status_code == 400, (path, args)


def test_hostile_search_is_text(client, seeded):
    for query in ("' OR '1'='1", "<script>alert(1)</script>", "\\", "%_%"):
        response = client.get(seeded.url("I", "learners", q=query))
        assert response.status_code == 200
        assert "<script>alert(1)" not in response.get_data(as_text=True)
        assert "0 learners match." in response.get_data(as_text=True)


def test_unknown_things_get_404(client, seeded):
    for path in ("export/secrets.csv", "export/learners.exe", "learners/999999", "export/timeline.csv",
                 "learners/99999999999999999999999"):
        assert client.get(seeded.url("I", path)).status_code in (400, 404), path
    for user in ("99999999999999999999", "2147483648", "-1", "1.5", str(seeded.users["G"]), str(seeded.users["I"])):
        assert client.get(seeded.url("I", "export/timeline.csv", user=user)).status_code == 400, user
    launch = seeded.launches["I"].launch_id
    assert client.get(f"/reports/{seeded.context_pk}/no-such-course/?launch={launch}").status_code == 404
    assert client.get(f"/reports/{seeded.context_pk}/..%2F..%2Fetc/?launch={launch}").status_code == 404
    assert client.get(f"/reports/99999999999999999999/mini-course/?launch={launch}").status_code == 404


def test_platform_administrator_stays_on_their_platform(app, client, seeded):
    from lti_tool.models import LtiPlatform
    from tests.reports.conftest import LEARNER, launch

    with app.test_request_context():
        with app.extensions["mirco"].db.transaction() as session:
            other = LtiPlatform(issuer="https://other.example.org", client_id="tool",
                                auth_login_url="https://other.example.org/auth",
                                auth_token_url="https://other.example.org/token")
            session.add(other)
        stranger = launch(other, "S", [LEARNER], context="C1", link="L1")
    assert stranger.context_pk not in (seeded.context_pk, seeded.other_context_pk)
    index = client.get(f"/reports/?launch={seeded.launches['ADMIN'].launch_id}").get_data(as_text=True)
    assert f"/reports/{stranger.context_pk}/" not in index
    assert client.get(seeded.url("ADMIN", context_pk=stranger.context_pk)).status_code == 404


@pytest.mark.parametrize("lang, words, q6", [("en", "point-biserial correlation", "-0.91"),
                                             ("sr-Latn", "point-biserijalna", "-0,91"), ("sq", "pikë-biserial", "-0,91"),
                                             ("mk", "точка-бисеријална", "-0,91")])
def test_item_analysis_page_explains_the_discrimination_index(client, seeded, lang, words, q6):
    html = client.get(seeded.url("I", "items", lang=lang)).get_data(as_text=True)
    assert words in html and "27%" in html and "27%%" not in html
    assert f">{q6}</td>" in html.split("q6")[1].split("</tr>")[0]  # q6, the misleading question, in the locale's digits


def test_a_bad_filter_is_explained_in_the_trainers_language(client, seeded):
    page = client.get(seeded.url("I", "learners", lang="sr-Cyrl", to="9999-12-31"))
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "to: унесите датум пре 9999. године" in html
    html = client.get(seeded.url("I", "learners", lang="mk", dir="up")).get_data(as_text=True)
    assert "dir: користете една од вредностите asc, desc" in html


SERBIAN_LEARNER_COLUMNS = ["Polaznik", "E-pošta", "Institucija ili grupa", "LTI ID korisnika", "Status", "Napredak (%)",
                           "Rezultat (%)", "Položeno", "Vreme (minuti)", "Pokušaji na kvizovima",
                           "Poslednja aktivnost (UTC)"]


def test_report_headings_and_exports_speak_the_trainers_language(client, seeded):
    page = client.get(seeded.url("I", f"learners/{seeded.users['A']}", lang="sr-Latn")).get_data(as_text=True)
    head = page.split('id="learner-summary"')[1].split("</thead>")[0]
    assert head.count('<th scope="col">') == len(SERBIAN_LEARNER_COLUMNS)
    for column in SERBIAN_LEARNER_COLUMNS:
        assert f'<th scope="col">{column}</th>' in head
    assert '<th scope="col">Lekcija</th>' in page and '<th scope="col">Vreme čitanja (minuti)</th>' in page
    text = client.get(seeded.url("I", "export/learners.csv", lang="sr-Latn")).get_data(as_text=True)
    exported = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(exported[0]) == SERBIAN_LEARNER_COLUMNS and len(exported) == 6
    overview = client.get(seeded.url("I", lang="sr-Latn")).get_data(as_text=True)
    assert '<th scope="row">Upisano</th>' in overview and '<th scope="col">Modul</th>' in overview
    xlsx = client.get(seeded.url("I", "export/items.xlsx", lang="mk"))
    header = [c.value for c in next(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows())]
    assert header[:5] == ["Квиз", "Прашање", "Текст на прашањето", "Одговори", "Точно"]
    english = client.get(seeded.url("I", "export/learners.csv")).get_data(as_text=True)
    assert english.lstrip("\ufeff").startswith("Learner,E-mail,Institution or group,LTI user id,Status,")


def test_status_yes_no_and_flags_are_translated_in_exports_as_on_the_page(client, seeded):
    """The words among the values come from the catalog (sr_Latn), in the CSV as on the page; filters keep the
    machine values."""
    text = client.get(seeded.url("I", "export/learners.csv", lang="sr-Latn")).get_data(as_text=True)
    rows = {r["Polaznik"]: (r["Status"], r["Položeno"]) for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert rows == {"Learner A": ("završeno", "da"), "Learner B": ("završeno", "da"), "Learner C": ("u toku", "da"),
                    "Learner D": ("završeno", "da"), "Learner E": ("u toku", "ne"),
                    "Learner F": ("nije započeto", "ne")}
    filtered = client.get(seeded.url("I", "export/learners.csv", lang="sr-Latn", status="in_progress"))
    assert [r["Status"] for r in csv.DictReader(io.StringIO(filtered.get_data(as_text=True).lstrip("\ufeff")))] \
        == ["u toku", "u toku"]
    items = client.get(seeded.url("I", "export/items.csv", lang="sr-Latn")).get_data(as_text=True)
    flags = {r["Pitanje"]: r["Oznake"] for r in csv.DictReader(io.StringIO(items.lstrip("\ufeff")))}
    assert (flags["q2"], flags["q5"], flags["q6"]) == ("prelako", "preteško", "navodi na grešku")
    options = client.get(seeded.url("I", "export/distractors.csv", lang="sr-Latn")).get_data(as_text=True)
    keys = [r["Tačan odgovor"] for r in csv.DictReader(io.StringIO(options.lstrip("\ufeff"))) if r["Pitanje"] == "q1"]
    assert keys == ["da", "ne"]
    page = client.get(seeded.url("I", f"learners/{seeded.users['E']}", lang="sr-Latn")).get_data(as_text=True)
    summary = page.split('id="learner-summary"')[1].split("</table>")[0]
    assert "<td>u toku</td>" in summary and "<td>ne</td>" in summary
    english = client.get(seeded.url("I", "export/learners.csv")).get_data(as_text=True)
    assert ",in progress," in english and ",not started," in english and ",yes," in english
