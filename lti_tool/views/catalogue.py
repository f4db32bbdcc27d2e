"""The public course catalogue at `/`: what an installation offers, before any LTI launch."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from lti_tool.state import app_state

bp = Blueprint("catalogue", __name__)


@bp.get("/")
def index() -> str:
    lang = request.args.get("lang")
    return render_template("catalogue.html", courses=list(app_state().catalogue), lang=lang)


@bp.get("/courses/<course_id>")
def course_detail(course_id: str) -> str:
    course = app_state().catalogue.get(course_id)
    if course is None:
        abort(404, description=f"There is no course {course_id!r} in this catalogue.")
    return render_template("course_detail.html", course=course, lang=request.args.get("lang"))
