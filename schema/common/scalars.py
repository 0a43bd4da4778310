"""Custom scalars: Decimal travels as a string so no client ever parses money as a float; DateTime is
strawberry's own (ISO 8601), described here for partners, refusing a time without an offset."""

from __future__ import annotations

import dataclasses
import datetime
from typing import NewType

import strawberry
from strawberry.schema.types.base_scalars import DateTimeDefinition

Decimal = NewType("Decimal", str)


def _parse_decimal(value: object) -> str:
    # Only strings: a JSON number may already have been rounded by a float parser.
    if not isinstance(value, str):
        raise ValueError('Decimal values must be strings such as "12.50"')
    return value


def _parse_datetime(value: object) -> datetime.datetime:
    """strawberry's ISO 8601 parsing, refusing a time without an offset and normalising to UTC.

    A time with no offset means a different moment in every time zone: guessing UTC would shift a partner's date
    range by hours without telling it, so it is refused (BAD_REQUEST, like any wrongly shaped value)."""
    parsed = DateTimeDefinition.parse_value(value)  # type: ignore[misc]
    if not isinstance(parsed, datetime.datetime):
        raise ValueError("give a date and time, e.g. 2024-05-01T08:30:00Z")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset: give one, e.g. 2024-05-01T08:30:00Z or +08:00")
    return parsed.astimezone(datetime.timezone.utc)


SCALAR_MAP = {
    Decimal: strawberry.scalar(
        name="Decimal",
        description='An exact decimal number as a JSON string, e.g. "12.50", never a JSON number (a number is refused'
        ' with BAD_REQUEST: a float parser may already have rounded it). Amounts are in the currency\'s major unit'
        ' with at most its ISO 4217 decimals (CNY/USD/EUR 2, JPY/KRW 0, KWD/BHD 3): "12.5" and "12.50" are the same'
        ' CNY amount, "12.505" CNY is INVALID_AMOUNT, never rounded. Amounts the API returns carry exactly the'
        ' currency\'s decimals ("12.50", "1250" JPY).',
        serialize=str,
        parse_value=_parse_decimal,
    ),
    # strawberry's DateTime scalar (same name and serialisation), refusing input without an offset.
    datetime.datetime: dataclasses.replace(
        DateTimeDefinition,
        description="A point in time as an ISO 8601 string. Output is in UTC with its offset, e.g."
        ' "2024-05-01T08:30:00.123456+00:00". On input always give an offset, e.g. "2024-05-01T08:30:00Z" or'
        ' "2024-05-01T16:30:00+08:00" (normalised to UTC); a time without one is refused with BAD_REQUEST.',
        parse_value=_parse_datetime,
    ),
}
