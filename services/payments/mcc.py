"""Merchant category codes (ISO 18245): which 4-digit codes a merchant may carry, and their names.

The data comes from the `iso18245` package (MIT licence, on PyPI), which ships
the ISO 18245 official list (about 280 codes) together with the lists the card
networks publish (Visa, Mastercard, ...). We do not keep a list of our own.

A code is known here when it is
  * on the ISO 18245 official list (named by its ISO description), or
  * outside the ranges ISO reserves (0000-0699, 1000-1499, 3000-3999 private
    use, 9000-9199 ISO use) and named by Visa or Mastercard: newer codes such as
    5262 Marketplaces or 5552 Electric Vehicle Charging that the 2003 ISO list
    in the package does not have.
The 3000-3999 "private use" codes (one per airline, car rental firm or hotel
chain) are deliberately not known: a merchant of ours registers with the
generic code (4511 Airlines, 7512 Car Rental, 7011 Lodging).
"""

from __future__ import annotations

import re
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

import iso18245

_MCC_FORMAT = re.compile(r"[0-9]{4}")


@lru_cache(maxsize=1)
def _names() -> Mapping[str, str]:
    """Every known code with its name, in code order (built once, on first use)."""
    names: dict[str, str] = {}
    for entry in iso18245.get_all_mccs():
        if entry.iso_description:
            names[entry.mcc] = entry.iso_description
        elif not entry.range.reserved:
            network_name = (entry.visa_description or entry.mastercard_description).strip()
            if network_name:
                names[entry.mcc] = network_name
    return MappingProxyType(dict(sorted(names.items())))


def is_well_formed(code: str) -> bool:
    """Whether the code is four ASCII digits (known or not)."""
    return isinstance(code, str) and _MCC_FORMAT.fullmatch(code) is not None


def category_name(code: str) -> str | None:
    """The category name of a known merchant category code, or None for an unknown or malformed one."""
    if not is_well_formed(code):
        return None
    return _names().get(code)


def is_known(code: str) -> bool:
    """Whether the code is a known merchant category code (see the module docstring)."""
    return category_name(code) is not None


def all_codes() -> list[tuple[str, str]]:
    """Every known (code, category name), in code order."""
    return list(_names().items())
