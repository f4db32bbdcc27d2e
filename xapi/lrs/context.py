"""What every resource handler needs: the session factory and the LRS's own settings."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response
from sqlalchemy.orm import sessionmaker


@dataclass(frozen=True)
class LrsContext:
    sessions: sessionmaker
    authority_home: str
    statements_path: str = "/xapi/statements"
    max_limit: int = 500
    max_body_bytes: int = 16 * 1024 * 1024
    max_statements: int = 1000
    seed_key: str = ""
    seed_secret: str = ""


def json_response(value: Any, status: int = 200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")
