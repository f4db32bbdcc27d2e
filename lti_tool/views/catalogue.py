"""The public course catalogue at `/`: what an installation offers, before any LTI launch."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l

from courses.model import Course
from courses.translations import translation_report
from lti_tool.i18n import OUTCOME_DOMAINS
from lti_tool.state import app_state
from lti_tool.views.library import language_name

bp = Blueprint("catalogue", __name__)



@dataclass(frozen=True)
class LanguageOffer:
    """One language of a course as its page lists it: the share of its files translated, how many translations
    are older than their English file, and the language a generated script is made from."""

    tag: str
    share: float
    stale: int = 0
    generated_from: str | None = None


@lru_cache(maxsize=64)
def _offers(folder: Path, content_hash: str, default_language: str) -> tuple[LanguageOffer, ...]:
    """Keyed by the course's content hash: a changed course on disk is a new key, an unchanged one is read once."""
    report = translation_report(folder)
    offers = [LanguageOffer(default_language, 1.0)]
    for coverage in report.languages:
        share = coverage.translated / len(coverage.files) if coverage.files else 0.0
        offers.append(LanguageOffer(coverage.lang, share, coverage.count("stale")))
        if coverage.lang == "sr-Latn" and report.language("sr-Cyrl") is None:
            offers.append(LanguageOffer("sr-Cyrl", share, coverage.count("stale"), generated_from="sr-Latn"))
    return tuple(offers)


def language_offers(course: Course) -> tuple[LanguageOffer, ...]:
    return _offers(course.path, course.content_hash, course.default_language)


@bp.get("/")
def index() -> str:
    return render_template("catalogue.html", courses=list(app_state().catalogue), outcome_domains=OUTCOME_DOMAINS)


@bp.get("/courses/<course_id>")
def course_detail(course_id: str) -> str:
    course = app_state().catalogue.get(course_id)
    if course is None:
        abort(404, description=_l("There is no course %(course)s in this catalogue.", course=repr(course_id)))
    return render_template("course_detail.html", course=course, outcome_domains=OUTCOME_DOMAINS,
                           offers=language_offers(course), language_name=language_name)
