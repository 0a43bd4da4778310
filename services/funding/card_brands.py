"""The accepted card brands by BIN (issuer identification number) prefix ranges: data only, one place."""

from __future__ import annotations

# (brand, lowest prefix, highest prefix): a number belongs to the brand when its first len(lowest) digits,
# read as a number, lie in [lowest, highest]. Longer (more specific) ranges are tried first.
BIN_RANGES: tuple[tuple[str, str, str], ...] = (
    ("MASTERCARD", "2221", "2720"),
    ("JCB", "3528", "3589"),
    ("AMEX", "34", "34"),
    ("AMEX", "37", "37"),
    ("MASTERCARD", "51", "55"),
    ("UNIONPAY", "62", "62"),
    ("VISA", "4", "4"),
)

BRANDS: tuple[str, ...] = ("VISA", "MASTERCARD", "AMEX", "UNIONPAY", "JCB")


def brand_of(number: str) -> str | None:
    """The brand whose BIN range holds the number, or None."""
    for brand, low, high in sorted(BIN_RANGES, key=lambda item: -len(item[1])):
        head = number[: len(low)]
        if len(head) == len(low) and head.isdigit() and int(low) <= int(head) <= int(high):
            return brand
    return None
