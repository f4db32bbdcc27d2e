"""CSV and XLSX of a report table. Text a spreadsheet would run as a formula (= + - @, tab, CR) is prefixed with
a quote (OWASP "CSV injection"), in both formats: openpyxl too treats a leading `=` as a formula."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """A report table as plain values: what the page shows, what the exports write."""

    name: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet may hold it: formulas defused, times in UTC without zone, to the second."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, datetime):
        if value.tzinfo:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)  # spreadsheets hold no time zone (UTC)
        return value.replace(microsecond=0)
    return value


def csv_cell(value: Any) -> Any:
    """`safe_cell`, and times as ISO 8601 to the second (`2026-03-01T09:30:05`, UTC as the headings say)."""
    value = safe_cell(value)
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else csv_cell(v) for v in row])
    return out.getvalue()


def to_xlsx(table: Table) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.name[:31])
    for i, _ in enumerate(table.columns, start=1):  # write-only sheets take widths before the first row
        sheet.column_dimensions[get_column_letter(i)].width = 18
    sheet.append([safe_cell(c) for c in table.columns])
    for row in table.rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
