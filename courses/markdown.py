"""Markdown -> sanitized HTML. markdown-it-py parses CommonMark (+ tables); nh3 (Ammonia) sanitizes, so no
script, event handler or javascript: URL survives, whatever an author or an imported file contains."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "img", "kbd", "li", "ol", "p", "pre", "q", "s",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"}, "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope", "colspan", "rowspan", "style"}, "td": {"colspan", "rowspan", "style"}, "abbr": {"title"},
    "ol": {"start"}, "*": {"id", "lang", "dir"},
}


@dataclass(frozen=True)
class ImageRef:
    src: str
    alt: str
    line: int  # 0-based line within the Markdown text


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable("table")


def find_images(text: str) -> list[ImageRef]:
    """Every image in a Markdown text with its line, for the validator's broken-link check."""
    found = []
    for token in _parser().parse(text):
        for child in token.children or ():
            if child.type == "image":
                line = token.map[0] if token.map else 0
                found.append(ImageRef(str(child.attrs.get("src", "")), child.content, line))
    return found


def course_media_path(lesson_folder: Path, course_root: Path, src: str) -> str | None:
    """The course-relative POSIX path of a lesson's image `src` (as markdown-it rendered it: percent-encoded,
    maybe with ?query or #fragment); None when it points outside the course folder. Every place that serves or
    packs lesson media (the LTI player, the SCORM/cmi5 exports) maps images the same way."""
    source = (lesson_folder / unquote(src.split("#")[0].split("?")[0])).resolve()
    try:
        return source.relative_to(course_root.resolve()).as_posix()
    except ValueError:
        return None


def render_markdown(text: str, rewrite_src: Callable[[str], str] | None = None) -> str:
    """Render Markdown to safe HTML. `rewrite_src` maps relative image paths to served URLs."""
    html = _parser().render(text)
    return sanitize_html(html, rewrite_src)


def sanitize_html(html: str, rewrite_src: Callable[[str], str] | None = None) -> str:
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src" and rewrite_src and not value.startswith(("https://", "data:")):
            return rewrite_src(value)
        return value

    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer", attribute_filter=attribute_filter,
    )


def render_inline(text: str) -> str:
    """Render one line of Markdown (a question prompt, an option, a feedback text) to safe inline HTML: emphasis,
    code and links, no paragraph around it, so it fits in a legend, a label or a table cell."""
    return sanitize_html(_parser().renderInline(text))


def plain_text(text: str) -> str:
    """A line of Markdown as the text a reader sees (for CSV/XLSX and xAPI): `**gender**` -> `gender`."""
    words: list[str] = []
    for token in _parser().parse(text):
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                words.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
            elif child.type == "image":
                words.append(child.content)
        if token.type == "paragraph_close" and words:
            words.append(" ")
    return "".join(words).strip()
