"""Strict JSON reading for everything a client sends: bad, non-standard or absurdly nested JSON is a 400."""
from __future__ import annotations

import json
from typing import Any

from xapi.errors import BadRequest


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def loads(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"{what}: not valid JSON ({exc})") from None
    except RecursionError:
        raise BadRequest(f"{what}: JSON nested too deeply") from None
