"""The reports in the trainer's language over HTTP: the course's own translations of its titles, plurals,
numbers and dates in the locale's format, download links that say what they download, ISO 8601 times in exports."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from babel.dates import format_datetime
from openpyxl import load_workbook


def test_course_and_module_titles_come_in_the_trainers_language(client, seeded):
    overview = client.get(seeded.url("I", lang="sr-Latn")).get_data(as_text=True)
    assert ": Osnove zaštite izbeglica</h1>" in overview  # course.sr-Latn.yaml, not the English title
    assert "Refugee protection essentials" not in overview.split("<main")[1]
    for page in ("learners", "items", "outcomes", f"learners/{seeded.users['A']}"):
        html = client.get(seeded.url("I", page, lang="sr-Latn")).get_data(as_text=True)
        assert "Osnove zaštite izbeglica" in html and "Refugee protection essentials" not in html, page
    index = client.get(f"/reports/?launch={seeded.launches['ADMIN'].launch_id}&lang=sr-Latn").get_data(as_text=True)
    assert "Osnove zaštite izbeglica" in index


def test_plurals_follow_the_count(client, seeded):
    assert "1 learner matches." in client.get(seeded.url("I", "learners", q="learner c")).get_data(as_text=True)
    assert "6 learners match." in client.get(seeded.url("I", "learners")).get_data(as_text=True)
    assert "0 learners match." in client.get(seeded.url("I", "learners", q="nobody")).get_data(as_text=True)
    items = client.get(seeded.url("I", "items")).get_data(as_text=True)
    assert "6 questions" in items


def test_numbers_and_dates_in_the_locales_format(client, seeded):
    english = client.get(seeded.url("I", "learners")).get_data(as_text=True)
    serbian = client.get(seeded.url("I", "learners", lang="sr-Latn")).get_data(as_text=True)
    row = serbian.split(">Learner A</a>")[1].split("</tr>")[0]
    assert "66,7 %" in row and "100,0 %" in row and "4 minuta" in row  # A: 4 of 6, lessons done, 240 s
    assert "66.7 %" in english.split(">Learner A</a>")[1].split("</tr>")[0]
    stamp, shown = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', row).groups()
    assert shown == format_datetime(datetime.fromisoformat(stamp), "short", tzinfo=None, locale="sr_Latn")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00)?", stamp)  # to the second (SQLite keeps no zone)
    items = client.get(seeded.url("I", "items", lang="sr-Latn")).get_data(as_text=True)
    assert ">0,60</td>" in items and ">0.60</td>" not in items  # q1's facility


def test_download_links_say_what_they_download(client, seeded):
    html = client.get(seeded.url("I", "learners")).get_data(as_text=True)
    assert "Download these learners:" in html and "(these learners)</span>" in html
    assert "(learners)</span>" not in html
    learner = client.get(seeded.url("I", f"learners/{seeded.users['A']}")).get_data(as_text=True)
    assert "Download the timeline:" in learner and "Download the time per lesson:" in learner


def test_exported_times_are_iso_8601_to_the_second(client, seeded):
    text = client.get(seeded.url("I", "export/learners.csv")).get_data(as_text=True).lstrip("\ufeff")
    stamps = [r["Last activity (UTC)"] for r in csv.DictReader(io.StringIO(text)) if r["Last activity (UTC)"]]
    assert len(stamps) == 5 and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", s) for s in stamps), stamps
    timeline = client.get(seeded.url("I", "export/timeline.csv", user=str(seeded.users["A"]))).get_data(as_text=True)
    times = [r["Time (UTC)"] for r in csv.DictReader(io.StringIO(timeline.lstrip("\ufeff")))]
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", t) for t in times), times
    sheet = load_workbook(io.BytesIO(client.get(seeded.url("I", "export/learners.xlsx")).data)).active
    values = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[-1] is not None]
    assert len(values) == 5 and all(isinstance(v, datetime) and v.microsecond == 0 for v in values)


def test_timeline_and_outcome_exports_carry_the_trainers_words(client, seeded):
    text = client.get(seeded.url("I", "export/timeline.csv", user=str(seeded.users["A"]), lang="sr-Latn"))
    rows = list(csv.DictReader(io.StringIO(text.get_data(as_text=True).lstrip("\ufeff"))))
    assert {"položeno", "završeno"} <= {r["Glagol"] for r in rows}  # passed the quiz, completed the module
    assert any("Provera modula 1" in r["Šta se dogodilo"] for r in rows)
    outcomes = client.get(seeded.url("I", "export/outcomes.csv", lang="sr-Latn")).get_data(as_text=True)
    assert ",Znanje," in outcomes and ",knowledge," not in outcomes
