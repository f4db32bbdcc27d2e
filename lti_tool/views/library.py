"""The regional e-library at `/library`: every document once, searchable and filterable, with a page per document
(the curricula and lessons citing it, its citation) and downloads of citations and of the files a curriculum ships."""
from __future__ import annotations

import re
from typing import Any, Callable

from babel import Locale, UnknownLocaleError
from flask import Blueprint, abort, current_app, make_response, render_template, request, send_file, url_for
from flask_babel import get_locale, lazy_gettext as _l
from werkzeug.wrappers import Response

from courses import citations, library
from courses.model import RESOURCE_TYPES
from lti_tool.i18n import content_lang
from lti_tool.library_tracking import record_resource_experienced
from lti_tool.state import app_state

bp = Blueprint("library", __name__, url_prefix="/library")
CARRIED = ("lang", "launch")  # kept on every link: a chosen language, a launch when the iframe has no cookies

PAGE_SIZE = 20
MAX_TEXT = 200
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\Z")
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}\Z")
TYPE_LABELS = {
    "instrument": _l("International instrument"),
    "eu-law": _l("EU law"),
    "report": _l("Report"),
    "book": _l("Book"),
    "article": _l("Article"),
    "guide": _l("Guide"),
    "dataset": _l("Dataset"),
    "website": _l("Website"),
    "other": _l("Other"),
}


def all_entries() -> list[library.Entry]:
    """The library of the loaded catalogue, rebuilt only when the catalogue's courses change."""
    courses = list(app_state().catalogue)
    version = tuple((c.id, c.content_hash, id(c)) for c in courses)  # id: a reload may change only library.yaml
    cached = current_app.extensions.get("mirco.library")
    if cached is None or cached[0] != version:
        cached = (version, library.entries(courses))
        current_app.extensions["mirco.library"] = cached
    return cached[1]


def language_name(tag: str) -> str:
    """A resource language named in the interface language (`sr-Latn` -> `srpski (latinica)`)."""
    try:
        return Locale.parse(tag, sep="-").get_display_name(get_locale()) or tag
    except (UnknownLocaleError, ValueError):
        return tag


def _text_arg(name: str, pattern: re.Pattern[str] | None = None) -> str | None:
    value = request.args.get(name, "").strip()
    if len(value) > MAX_TEXT:
        abort(400, description=_l("The %(name)s parameter is longer than %(maximum)d characters.", name=repr(name),
                                   maximum=MAX_TEXT))
    if value and pattern and not pattern.match(value):
        abort(400, description=_l("The %(name)s parameter has an invalid value.", name=repr(name)))
    return value or None


def _int_arg(name: str, low: int, high: int) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        abort(400, description=_l("The %(name)s parameter must be a whole number from %(low)d to %(high)d.",
                                   name=repr(name), low=low, high=high))
    return int(value)


def _filters() -> library.Filters:
    kind = _text_arg("type")
    if kind and kind not in RESOURCE_TYPES:
        abort(400, description=_l("The %(name)s parameter must be one of: %(choices)s.", name="'type'",
                                   choices=", ".join(RESOURCE_TYPES)))
    return library.Filters(
        query=_text_arg("q") or "",
        type=kind,
        language=_text_arg("language", _LANG),
        year=_int_arg("year", 1000, 2100),
        publisher=_text_arg("publisher"),
        curriculum=_text_arg("curriculum", _ID),
        outcome=_text_arg("outcome", _ID),
    )


def _facet_labels() -> dict[str, Callable[[Any], str]]:
    """How each filter's values read in the interface language."""
    courses = app_state().catalogue.courses
    return {
        "type": lambda kind: str(TYPE_LABELS.get(kind, kind)),
        "language": language_name,
        "year": str,
        "publisher": str,
        "curriculum": lambda cid: courses[cid].title.get(content_lang()) if cid in courses else cid,
        "outcome": str,
    }


@bp.app_template_filter("language_name")
def _language_name_filter(tag: str) -> str:
    return language_name(tag)


@bp.context_processor
def _carried() -> dict[str, Any]:
    return {"carry": {k: request.args[k] for k in CARRIED if request.args.get(k)}}


def _page_url(number: int) -> str:
    args: dict[str, Any] = {k: v for k, v in request.args.items() if v and k != "page"}
    return url_for("library.index", **args, page=number)


@bp.get("")
def index() -> str:
    filters = _filters()
    number = _int_arg("page", 1, 1_000_000) or 1
    entries = all_entries()
    found = library.search(entries, filters)
    shown, pages = library.page(found, number, PAGE_SIZE)
    number = min(number, pages)
    return render_template(
        "library.html", filters=filters, found=found, shown=shown, page=number, pages=pages, page_size=PAGE_SIZE,
        page_url=_page_url, facets=library.facet_values(entries), labels=_facet_labels(),
    )


def _entry(course_id: str, resource_id: str) -> tuple[library.Entry, library.Citing]:
    entry = library.find(all_entries(), course_id, resource_id)
    if entry is None:
        abort(404, description=_l("This resource is not in the e-library."))
    return entry, entry.cited_by(course_id)  # type: ignore[return-value]  # find() only returns cited entries


@bp.get("/<course_id>/<resource_id>")
def detail(course_id: str, resource_id: str) -> str:
    """The document's page, reached from one curriculum: every citing curriculum and lesson, citation, access."""
    entry, citing = _entry(course_id, resource_id)
    record_resource_experienced(citing.course, citing.resource, content_lang())
    return render_template("library_detail.html", entry=entry, citing=citing, r=entry.resource,
                           labels=_facet_labels(), citation_formats=CITATION_LABELS)


CITATION_LABELS = {"ris": "RIS", "bib": "BibTeX", "json": "CSL-JSON"}


@bp.get("/<course_id>/<resource_id>/cite.<fmt>")
def cite(course_id: str, resource_id: str, fmt: str) -> Response:
    """The document's citation as a file a reference manager imports."""
    if fmt not in citations.FORMATS:
        abort(404, description=_l("Citations download as %(formats)s.", formats=", ".join(
            f".{name}" for name in citations.FORMATS)))
    entry, _ = _entry(course_id, resource_id)
    write, media_type = citations.FORMATS[fmt]
    response = make_response(write(entry.resource))
    response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{entry.resource.id}.{fmt}"'
    return response


@bp.get("/<course_id>/<resource_id>/file")
def download(course_id: str, resource_id: str) -> Response:
    """Send the file the curriculum ships; the path comes from the validated course, never from the request."""
    _, citing = _entry(course_id, resource_id)
    path = citing.resource.file
    if path is None:
        abort(404, description=_l("This resource has no attached file; follow its link instead."))
    path = path.resolve()
    if not path.is_relative_to(citing.course.path.resolve()) or not path.is_file():
        abort(404, description=_l("The attached file is no longer available."))
    return send_file(path, as_attachment=True, download_name=path.name)
