"""Strict JSON reading for everything a client sends: bad, non-standard or absurdly nested JSON is a 400."""
from __future__ import annotations

import json
import math
import re
from typing import Any

from xapi.errors import BadRequest


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _finite(literal: str) -> float:
    """A JSON number as a double; one beyond its range (1e400) would be stored back as `Infinity`, not JSON."""
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError(f"the number {literal[:40]} is out of range")
    return number


SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F]"
SURROGATE_ESCAPES = (re.compile(SURROGATE_ESCAPE), re.compile(SURROGATE_ESCAPE.encode()))


def _no_lone_surrogates(value: Any, text: str | bytes) -> None:
    """A `\\uD800` escape without its pair decodes to a string no database can store as text; checked only when
    the text has such an escape at all."""
    if SURROGATE_ESCAPES[isinstance(text, bytes)].search(text):  # type: ignore[arg-type]
        json.dumps(value, ensure_ascii=False).encode("utf-8")


def loads(text: str | bytes, what: str) -> Any:
    try:
        value = json.loads(text, parse_constant=_no_constants, parse_float=_finite)
        _no_lone_surrogates(value, text)
        return value
    except UnicodeEncodeError:
        raise BadRequest(f"{what}: not valid JSON (a \\u escape is an unpaired UTF-16 surrogate)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"{what}: not valid JSON ({exc})") from None
    except RecursionError:
        raise BadRequest(f"{what}: JSON nested too deeply") from None
