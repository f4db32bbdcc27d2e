"""Pieces of the reports that need no database: flags, charts, exports, filters, sentences."""
from __future__ import annotations

import io
import random
import statistics

import pytest
from openpyxl import load_workbook

from courses.model import LocalizedText, Question
from lti_tool.reports.charts import Bar, Group, bar_chart
from lti_tool.reports.exports import Table, to_csv, to_xlsx
from lti_tool.reports.filters import BadFilter, parse_filter
from lti_tool.reports.items import ItemStats, Option, point_biserial
from lti_tool.reports.timeline import sentence


def _stats(options: list[Option], facility: float = 0.5, discrimination: float = 0.3) -> ItemStats:
    question = Question(id="q", type="single", prompt=LocalizedText({"en": "?"}, "en"),
                        explanation=LocalizedText({"en": ""}, "en"))
    return ItemStats("quiz", question, 10, 5, facility, discrimination, None, options)


def test_a_distractor_the_top_group_prefers_is_misleading():
    assert _stats([Option("a", "A", True, 5, 1), Option("b", "B", False, 5, 2)]).flags == ["misleading"]
    assert _stats([Option("a", "A", True, 5, 2), Option("b", "B", False, 5, 2)]).flags == []
    assert _stats([], facility=0.95, discrimination=-0.1).flags == ["too_easy", "misleading"]
    assert _stats([], facility=0.1).flags == ["too_hard"]


def test_chart_escapes_labels_wraps_long_ones_and_names_its_series():
    long_title = "Migration dynamics in the Western Balkans and the " + "Mediterranean route " * 4
    svg = str(bar_chart([Group("<script>alert(1)</script>", [Bar(3, "3"), None, Bar(1, "1")]),
                         Group(long_title, [Bar(0, "0"), Bar(2, "2"), Bar(1, "1")])],
                        ["Started", "<b>Completed</b>", "Passed quiz"]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;Completed" in svg
    assert svg.count("<rect") == 3 + 5 and 'aria-hidden="true"' in svg  # 3 legend swatches, 5 bars
    assert "…" not in svg and svg.count("<tspan") >= 3  # wrapped, not cut
    words = " ".join(part.split("<")[0] for part in svg.split(">") if part and not part.startswith("<"))
    assert " ".join(long_title.split()) in " ".join(words.split())


def test_exports_defuse_formulas():
    table = Table("t", ("a", "b"), [("=HYPERLINK(\"http://evil\")", "+1"), ("-2", "@SUM(A1)"), ("ok", 3)])
    text = to_csv(table)
    assert "'=HYPERLINK" in text and "'+1" in text and "'-2" in text and "'@SUM" in text and "ok,3" in text
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert values[2:] == ["'=HYPERLINK(\"http://evil\")", "'+1", "'-2", "'@SUM(A1)", "ok", 3]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("args", [{"from": "2024-02-30"}, {"limit": "501"}, {"page": "١"}, {"sort": "Name"},
                                  {"institution": "a\x00b"}, {"institution": "x" * 256}, {"institution": "a\u202eb"},
                                  {"to": "9999-12-31"}])
def test_filter_refuses(args):
    with pytest.raises(BadFilter):
        parse_filter(args)


def test_filter_round_trip():
    selection = parse_filter({"q": " ana ", "from": "2026-01-01", "to": "2026-01-31", "sort": "score", "dir": "desc",
                              "institution": "MUP.gov.rs"})
    assert selection.search == "ana" and selection.institution == "MUP.gov.rs"
    assert parse_filter({"institution": "  Ministry   of Interior "}).institution == "Ministry of Interior"
    assert parse_filter(selection.as_args()) == selection


def test_sentence_of_a_statement_from_elsewhere():
    event = sentence({"verb": {"id": "http://adlnet.gov/expapi/verbs/answered"}, "object": {"id": "urn:x"},
                      "result": {"success": False, "duration": "PT1H02M00S"}, "timestamp": "2026-01-01T00:00:00Z"})
    assert event.sentence == "Answered “urn:x” — incorrect (time: 62 minutes)."
    assert sentence({}).sentence == "“”." and sentence({}).when is None


def test_point_biserial_equals_pearson_on_the_rest_score():
    rng = random.Random(7)
    for _ in range(200):
        n, weight = rng.randint(2, 40), rng.choice([1.0, 2.0, 0.5])
        x = [rng.random() < 0.5 for _ in range(n)]
        points = [weight * xi + rng.choice([0.0, 1.0, 2.0, 3.5]) for xi in x]
        sums = (sum(x), sum(points), sum(p * p for p in points), sum(p for p, xi in zip(points, x) if xi))
        rest = [p - weight * xi for p, xi in zip(points, x)]
        if len(set(x)) < 2 or len(set(rest)) < 2:
            assert point_biserial(n, *sums, weight) is None
            continue
        expected = statistics.correlation([float(v) for v in x], rest)
        assert point_biserial(n, *sums, weight) == pytest.approx(expected, abs=1e-9)
    assert point_biserial(1, 1, 3.0, 9.0, 3.0, 1.0) is None
