"""A points programme's unit code: 3 to 8 upper-case letters, never an ISO 4217 code; in the ledger, lower case with exponent 0."""

from __future__ import annotations

import re

from services.errors import ValidationFailed
from services.money import is_iso_code

# The ledger's currency columns (account, ledger_entry, ledger_transaction) hold 3 characters today: a longer unit
# code would not fit them on PostgreSQL, so it is refused until those columns are widened (a migration of theirs).
LEDGER_UNIT_CHARS = 3
_CODE = re.compile(r"[A-Z]{3,8}")


def checked_unit_code(raw: object) -> str:
    """The unit code, stripped and upper-cased, or VALIDATION (not 3-8 letters, an ISO currency, too long for the ledger)."""
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if not _CODE.fullmatch(code):
        raise ValidationFailed("unitCode must be 3 to 8 letters, such as PTS", field=["unitCode"])
    if is_iso_code(code):
        raise ValidationFailed(f"{code} is an ISO 4217 currency code: a points unit must not be one", field=["unitCode"])
    if len(code) > LEDGER_UNIT_CHARS:
        raise ValidationFailed(f"unitCode {code} is longer than the ledger's {LEDGER_UNIT_CHARS}-letter currency codes",
                               field=["unitCode"])
    return code


def ledger_unit(unit_code: str) -> str:
    """The unit as the ledger's currency columns hold it: lower case, never an ISO 4217 code (services.money)."""
    return unit_code.lower()
