"""What one running application holds: settings, database and the loaded course catalogue."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from courses.catalogue import Catalogue
from lti_tool.config import Settings
from lti_tool.db import Database


@dataclass
class AppState:
    settings: Settings
    db: Database
    catalogue: Catalogue


def app_state(app: Flask | None = None) -> AppState:
    """The state of `app` (default: the current application)."""
    return (app or current_app).extensions["mirco"]
