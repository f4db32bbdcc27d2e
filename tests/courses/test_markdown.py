"""Lesson Markdown renders to HTML with nothing executable left in it."""
from __future__ import annotations

import unicodedata

import lxml.html
import pytest

from courses.markdown import find_images, plain_text, render_inline, render_markdown
from courses.translit import to_cyrillic, to_cyrillic_markdown


def test_renders_commonmark_and_tables() -> None:
    html = render_markdown("## Key terms\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n*asylum*")
    assert "<h2>Key terms</h2>" in html and "<table>" in html and "<em>asylum</em>" in html


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    '<svg onload="alert(1)"></svg>',
    "[x](JaVaScRiPt:alert(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
])
def test_nothing_executable_survives(hostile: str) -> None:
    tree = lxml.html.fragment_fromstring(render_markdown(hostile), create_parent="div")
    for element in tree.iter():
        assert element.tag not in {"script", "iframe", "svg", "object", "embed", "style"}
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on") and name.lower() != "style", (name, value)
            assert not value.strip().lower().startswith("javascript:"), (name, value)


def test_links_get_safe_rel_and_images_are_rewritten() -> None:
    html = render_markdown("[UNHCR](https://www.unhcr.org) ![Map of the route](media/map.png)",
                           rewrite_src=lambda src: "/static/course/" + src)
    assert 'rel="noopener noreferrer"' in html
    assert 'src="/static/course/media/map.png"' in html and 'alt="Map of the route"' in html


def test_find_images_reports_lines() -> None:
    images = find_images("intro\n\n![a](one.png)\n\ntext\n\n![](two.png)\n")
    assert [(i.src, i.alt, i.line) for i in images] == [("one.png", "a", 2), ("two.png", "", 6)]


def test_serbian_transliteration_handles_digraphs() -> None:
    assert to_cyrillic("Ljudska prava, njihova zaštita i džamija") == "Људска права, њихова заштита и џамија"
    assert to_cyrillic("LJUBLJANA Đorđe Ćuprija") == "ЉУБЉАНА Ђорђе Ћуприја"


def test_transliteration_of_decomposed_text_and_digraph_letters() -> None:
    decomposed = unicodedata.normalize("NFD", "Džep, žena i ćup")
    assert decomposed != "Džep, žena i ćup"
    assert to_cyrillic(decomposed) == "Џеп, жена и ћуп"
    assert to_cyrillic("\u01c5ep \u01c9ubav \u01cciva") == "Џеп љубав њива"


def test_markdown_transliteration_keeps_html_entities() -> None:
    assert to_cyrillic_markdown("Prava &amp; obaveze&nbsp;i &#169; &#x2014;") == "Права &amp; обавезе&nbsp;и &#169; &#x2014;"


def test_markdown_transliteration_keeps_links_and_code() -> None:
    text = "Vidi [izveštaj](https://www.unhcr.org/report) i `kod` na https://example.org/a"
    assert to_cyrillic_markdown(text) == "Види [извештај](https://www.unhcr.org/report) и `kod` на https://example.org/a"


def test_sanitizer_strips_raw_hostile_html() -> None:
    from courses.markdown import sanitize_html

    html = sanitize_html('<p onclick="x()">a<script>b()</script><a href="javascript:c()">d</a>'
                         '<img src="e.png" onerror="f()"><iframe src="g"></iframe></p>')
    assert html == '<p>a<a rel="noopener noreferrer">d</a><img src="e.png"></p>'


def test_inline_markdown_of_prompts_is_safe_html_without_a_paragraph():
    assert render_inline("Which **gender** and *age* `code`?") == \
        "Which <strong>gender</strong> and <em>age</em> <code>code</code>?"
    hostile = render_inline('<img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>alert(1)</script>')
    assert "<img" not in hostile and "<script" not in hostile and 'href="javascript' not in hostile


def test_plain_text_of_prompts_drops_the_markup():
    assert plain_text("Which **gender** and [the *law*](https://example.org)?\nNext `line`") == \
        "Which gender and the law? Next line"
    assert plain_text("") == "" and plain_text("**a** " * 2000) == ("a " * 2000).strip()
