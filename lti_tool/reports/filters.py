"""The learner table's query parameters, checked before any SQL is built: bad input is a 400, never a 500."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping, Sequence

from flask_babel import lazy_gettext as _l

from lti_tool.lti.records import MAX_LABEL, clean_label

SORT_KEYS = ("name", "progress", "score", "seconds", "attempts", "last_activity", "status")
STATUSES = ("not_started", "in_progress", "completed")
MAX_LIMIT = 500
MAX_SEARCH = 100


class BadFilter(ValueError):
    """A query parameter the reports cannot use; the message (a lazy translation) names it."""


@dataclass(frozen=True)
class LearnerFilter:
    search: str = ""
    sort: str = "name"
    descending: bool = False
    since: datetime | None = None
    until: datetime | None = None
    institution: str = ""
    status: str = ""
    page: int = 1
    limit: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def everything(self) -> "LearnerFilter":
        """The same selection without paging (exports)."""
        return replace(self, page=1, limit=0)

    def as_args(self) -> dict[str, str]:
        """Query parameters that reproduce this selection (links, export buttons)."""
        args = {"q": self.search, "sort": self.sort, "dir": "desc" if self.descending else "asc",
                "from": self.since.date().isoformat() if self.since else "",
                "to": (self.until - timedelta(days=1)).date().isoformat() if self.until else "",
                "institution": self.institution, "status": self.status}
        return {k: v for k, v in args.items() if v}


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(_l("%(name)s: give a date as YYYY-MM-DD", name=name)) from None


def _positive_int(value: str, name: str, default: int, maximum: int) -> int:
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise BadFilter(_l("%(name)s: give a whole number from 1 to %(maximum)d", name=name, maximum=maximum))
    number = int(value)
    if not 1 <= number <= maximum:
        raise BadFilter(_l("%(name)s: give a whole number from 1 to %(maximum)d", name=name, maximum=maximum))
    return number


def _order(args: Mapping[str, str], keys: Sequence[str], default: str) -> tuple[str, bool]:
    """`sort` (one of `keys`) and whether `dir` is descending, as every sortable table reads them."""
    sort = args.get("sort", "") or default
    if sort not in keys:
        raise BadFilter(_l("%(name)s: use one of %(choices)s", name="sort", choices=", ".join(keys)))
    direction = args.get("dir", "") or "asc"
    if direction not in ("asc", "desc"):
        raise BadFilter(_l("%(name)s: use one of %(choices)s", name="dir", choices="asc, desc"))
    return sort, direction == "desc"


def parse_filter(args: Mapping[str, str]) -> LearnerFilter:
    """Read and check `q, sort, dir, from, to, institution, status, page, limit`."""
    search = args.get("q", "").strip()
    if len(search) > MAX_SEARCH:
        raise BadFilter(_l("%(name)s: search for at most %(maximum)d characters", name="q", maximum=MAX_SEARCH))
    sort, descending = _order(args, SORT_KEYS, "name")
    since, until = _day(args.get("from", ""), "from"), _day(args.get("to", ""), "to")
    if since and until and since > until:
        raise BadFilter(_l("%(name)s: must not be after %(other)s", name="from", other="to"))
    given = " ".join(args.get("institution", "").split())
    institution = clean_label(given) or ""  # a label as the launch keeps it: one it would change names nobody
    if institution != given:
        raise BadFilter(_l("%(name)s: give an institution or group from the list (at most %(maximum)d characters, "
                           "no control characters)", name="institution", maximum=MAX_LABEL))
    if until and until >= date.max - timedelta(days=1):
        raise BadFilter(_l("%(name)s: give a date before the year 9999", name="to"))
    status = args.get("status", "")
    if status and status not in STATUSES:
        raise BadFilter(_l("%(name)s: use one of %(choices)s", name="status", choices=", ".join(STATUSES)))
    return LearnerFilter(
        search=search, sort=sort, descending=descending,
        since=datetime.combine(since, time.min, timezone.utc) if since else None,
        until=datetime.combine(until + timedelta(days=1), time.min, timezone.utc) if until else None,
        institution=institution, status=status, page=_positive_int(args.get("page", ""), "page", 1, 10**6),
        limit=_positive_int(args.get("limit", ""), "limit", 50, MAX_LIMIT))


ITEM_SORT_KEYS = ("order", "facility", "discrimination", "responses", "flags")
ITEMS_PER_PAGE = 20


@dataclass(frozen=True)
class ItemOrder:
    """How the item-analysis table is sorted and which page of it shows (`order`: as in the quizzes)."""

    sort: str = "order"
    descending: bool = False
    page: int = 1

    def as_args(self) -> dict[str, str]:
        args = {"sort": self.sort, "dir": "desc" if self.descending else "asc"}
        return {k: v for k, v in args.items() if v not in ("order", "asc")}


def parse_item_order(args: Mapping[str, str]) -> ItemOrder:
    """Read and check the item table's `sort, dir, page`."""
    sort, descending = _order(args, ITEM_SORT_KEYS, "order")
    return ItemOrder(sort=sort, descending=descending,
                     page=_positive_int(args.get("page", ""), "page", 1, 10**6))
