"""Well-formedness of the persistent identifiers an e-library document may carry (DOI, ELI, ISBN)."""
from __future__ import annotations

import re

_DOI = re.compile(r"^10\.\d{4,9}/\S+\Z")  # Crossref's recommended pattern for modern DOIs
_ELI = re.compile(r"^https?://data\.europa\.eu/eli/[a-z_]+(/[A-Za-z0-9_-]+)+\Z")  # EU Official Journal ELI URI


def is_doi(value: str) -> bool:
    return bool(_DOI.match(value))


def is_eli(value: str) -> bool:
    return bool(_ELI.match(value))


def is_isbn(value: str) -> bool:
    """ISBN-10 or ISBN-13 (hyphens and spaces allowed) whose check digit is right."""
    digits = re.sub(r"[\s-]", "", value).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if re.fullmatch(r"97[89]\d{10}", digits):
        return sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits)) % 10 == 0
    return False
