"""Custom scalars: Decimal travels as a string so no client ever parses money as a float."""

from __future__ import annotations

from typing import NewType

import strawberry

Decimal = NewType("Decimal", str)


def _parse_decimal(value: object) -> str:
    # Only strings: a JSON number may already have been rounded by a float parser.
    if not isinstance(value, str):
        raise ValueError('Decimal values must be strings such as "12.50"')
    return value


SCALAR_MAP = {
    Decimal: strawberry.scalar(
        name="Decimal",
        description='An exact decimal number as a string, e.g. "12.50". Never a float.',
        serialize=str,
        parse_value=_parse_decimal,
    )
}
