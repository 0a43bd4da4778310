"""Report periods: UTC days as "YYYY-MM-DD" keys, their bounds, and the checked range a report covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from services.errors import ValidationFailed

MAX_RANGE_DAYS = 366  # one report reads at most a year (and a day): wider ranges are several requests


@dataclass(frozen=True)
class DayRange:
    """Whole UTC days from first to last, both included."""

    first: date
    last: date

    @property
    def days(self) -> list[date]:
        """Every day of the range, in order."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def keys(self) -> tuple[str, str]:
        """The first and last day keys."""
        return day_key(self.first), day_key(self.last)


def checked_range(first: date, last: date) -> DayRange:
    """The range a report was asked for, refused (VALIDATION) when reversed or longer than MAX_RANGE_DAYS."""
    if last < first:
        raise ValidationFailed("the range ends before it starts: `to` must be on or after `from`", field=["to"])
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise ValidationFailed(f"a report covers at most {MAX_RANGE_DAYS} days; ask for several ranges", field=["to"])
    return DayRange(first, last)


def day_key(day: date) -> str:
    """The day's key, e.g. "2026-12-05"."""
    return day.isoformat()


def start_of(day: date) -> datetime:
    """The first instant of a UTC day."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def spans(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive runs of the given (sorted) days, as (first, last) pairs: one raw query per run."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs

