"""Timestamps as the LRS writes them: UTC, ISO 8601, millisecond precision; stored as microseconds."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def now_us() -> int:
    return to_us(datetime.now(timezone.utc))


def to_us(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def iso(us: int) -> str:
    """`2026-11-28T04:32:12.123456Z`: microseconds, so `since`/`until` compare exactly with what clients saw."""
    moment = from_us(us)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"


def http_date(us: int) -> str:
    """RFC 7231 date for Last-Modified."""
    return format_datetime(from_us(us), usegmt=True)
