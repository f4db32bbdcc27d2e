"""The public course catalogue at `/`: what an installation offers, before any LTI launch."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l

from lti_tool.state import app_state

bp = Blueprint("catalogue", __name__)

# EQF outcome domains in the order the framework lists them, with their translatable names.
OUTCOME_DOMAINS = {
    "knowledge": _l("Knowledge"),
    "skills": _l("Skills"),
    "responsibility": _l("Responsibility and autonomy"),
}


@bp.get("/")
def index() -> str:
    return render_template("catalogue.html", courses=list(app_state().catalogue), outcome_domains=OUTCOME_DOMAINS)


@bp.get("/courses/<course_id>")
def course_detail(course_id: str) -> str:
    course = app_state().catalogue.get(course_id)
    if course is None:
        abort(404, description=_l("There is no course %(course)s in this catalogue.", course=repr(course_id)))
    return render_template("course_detail.html", course=course, outcome_domains=OUTCOME_DOMAINS)
