"""cardLink's checks before the card processor sees the number (pure): digits, Luhn, brand, expiry, CVV shape.

No message here ever contains the number or the CVV.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from stdnum import luhn

from services.errors import InvalidCard, ValidationFailed
from services.funding.card_brands import brand_of

_NUMBER = re.compile(r"[0-9]{12,19}")
_CVV = re.compile(r"[0-9]{3,4}")
_SEPARATORS = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class CleanCard:
    """A card that passed the checks: `number` and `cvv` go to the processor only, never to storage or logs."""

    number: str = ""
    cvv: str | None = None
    brand: str = ""
    expiry_month: int = 0
    expiry_year: int = 0

    def __repr__(self) -> str:  # a stray log of the object shows no number
        return f"CleanCard(brand={self.brand}, last_four={self.last_four})"

    @property
    def last_four(self) -> str:
        """The number's last four digits (all that is stored)."""
        return self.number[-4:]


def check_card(*, number: str | None, expiry_month: int, expiry_year: int, cvv: str | None, now: datetime) -> CleanCard:
    """The card checked, or INVALID_CARD (Luhn, brand, expiry) / VALIDATION (shapes); messages never echo input."""
    digits = _SEPARATORS.sub("", number or "")
    if not _NUMBER.fullmatch(digits):
        raise InvalidCard("cardNumber: a card number has 12 to 19 digits", field=["cardNumber"])
    if not luhn.is_valid(digits):
        raise InvalidCard("cardNumber: the Luhn check digit is wrong", field=["cardNumber"])
    brand = brand_of(digits)
    if brand is None:
        raise InvalidCard("cardNumber: the card brand is not accepted (Visa, Mastercard, Amex, UnionPay, JCB)",
                          field=["cardNumber"])
    if not 1 <= expiry_month <= 12:
        raise ValidationFailed("expiryMonth must be 1 to 12", field=["expiryMonth"])
    if not 2000 <= expiry_year <= 2100:
        raise ValidationFailed("expiryYear must be a four-digit year", field=["expiryYear"])
    if (expiry_year, expiry_month) < (now.year, now.month):  # valid through the last day of its month
        raise InvalidCard("the card has expired", field=["expiryYear"])
    if cvv is not None and not _CVV.fullmatch(cvv):
        raise ValidationFailed("cvv must be 3 or 4 digits", field=["cvv"])
    return CleanCard(number=digits, cvv=cvv, brand=brand, expiry_month=expiry_month, expiry_year=expiry_year)
