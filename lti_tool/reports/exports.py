"""CSV and XLSX of a report table. Text a spreadsheet would run as a formula (= + - @, tab, CR) is prefixed with
a quote (OWASP "CSV injection"), in both formats: openpyxl too treats a leading `=` as a formula."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
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
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value  # spreadsheets hold no time zone (UTC)
    return value


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
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
