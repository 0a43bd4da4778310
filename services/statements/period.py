"""A statement's period: [from, to), timezone-aware, at most one year long."""

from __future__ import annotations

from dataclasses import dataclass
import re
from datetime import datetime, timedelta, timezone

from services.errors import ValidationFailed

# One year of lines is what a statement is for; a longer period is several statements.
MAX_PERIOD = timedelta(days=366)
_LOST_PLUS = re.compile(r" (\d\d:?\d\d)$")


@dataclass(frozen=True)
class Period:
    """A half-open time range [start, end) in UTC."""

    start: datetime
    end: datetime


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(f"{field} needs a timezone offset, e.g. 2026-01-01T00:00:00+08:00", field=[field])
    return value.astimezone(timezone.utc)


def check_period(start: datetime, end: datetime) -> Period:
    """The validated period: both ends with an offset, `to` after `from`, at most 366 days (VALIDATION otherwise)."""
    start, end = _aware(start, "from"), _aware(end, "to")
    if end <= start:
        raise ValidationFailed("to must be after from", field=["to"])
    if end - start > MAX_PERIOD:
        raise ValidationFailed("a statement covers at most one year (366 days): ask for several", field=["to"])
    return Period(start=start, end=end)


def parse_timestamp(text: str | None, field: str) -> datetime:
    """An ISO 8601 timestamp from a query string (VALIDATION when missing or malformed)."""
    if not text:
        raise ValidationFailed(f"{field} is required: an ISO 8601 timestamp with an offset", field=[field])
    try:
        # A '+' in a query string that was not percent-encoded arrives as a space.
        return datetime.fromisoformat(_LOST_PLUS.sub(r"+\1", text.strip()).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"{field} is not an ISO 8601 timestamp, e.g. 2026-01-01T00:00:00Z", field=[field]) from None


def parse_period(start: str | None, end: str | None) -> Period:
    """The validated period from the `from` and `to` query parameters."""
    return check_period(parse_timestamp(start, "from"), parse_timestamp(end, "to"))
