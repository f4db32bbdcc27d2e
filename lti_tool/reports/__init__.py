"""Trainers' reports: who did what in an LTI context, computed in SQL from the progress tables and the LRS.

`access` decides who may see which context, `scope` what content a context links to, `learners` and `items`
hold the queries, `timeline` turns statements into sentences, `charts` draws SVG, `exports` writes CSV/XLSX,
`views` is the blueprint.
"""
from __future__ import annotations

from flask import Flask


def register_reports(app: Flask) -> None:
    from lti_tool.reports import views

    app.register_blueprint(views.bp)
