"""A beneficiary's bank details checked (pure): the BIC with schwifty, the IBAN or account number by its country.

- IBAN countries: the IBAN is required and checked by services.funding.bank_rules.check_bank_account (mod-97
  check digits, the country's length and structure); an accountNumber is refused.
- Other countries: an accountNumber of 4 to 34 letters or digits (no public checksum exists for most).
- Every beneficiary needs the SWIFT BIC of its bank (schwifty: format and country code), in the beneficiary's
  country: a BIC of another country is INVALID_BANK_ACCOUNT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schwifty import BIC
from schwifty.exceptions import SchwiftyException

from services.countries import is_country
from services.errors import InvalidBankAccount, ValidationFailed
from services.funding.bank_rules import COUNTRY_CURRENCY, check_bank_account, is_iban_country
from services.money import normalise_currency

IBAN, ACCOUNT_NUMBER = "IBAN", "ACCOUNT_NUMBER"
_ACCOUNT = re.compile(r"[A-Z0-9]{4,34}")
_SPACES = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class CleanBeneficiaryAccount:
    """Bank details that passed their rules: the number (IBAN or account number) is PII."""

    country: str
    currency: str
    bic: str
    number_kind: str
    number: str

    @property
    def last_four(self) -> str:
        """The last four characters of the number (all that is ever shown)."""
        return self.number[-4:]


def check_bic(bic: str | None, country: str) -> str:
    """The BIC in its 8- or 11-character form, of a bank in the country (INVALID_BANK_ACCOUNT otherwise)."""
    text = _SPACES.sub("", bic or "").upper()
    if not text:
        raise ValidationFailed("bic is required: the SWIFT BIC of the beneficiary's bank", field=["bic"])
    try:
        parsed = BIC(text)
    except SchwiftyException as error:
        raise InvalidBankAccount(f"bic: not a valid SWIFT BIC ({error})", field=["bic"]) from None
    if parsed.country_code != country:
        raise InvalidBankAccount(f"bic: a bank in {parsed.country_code}, not in {country}", field=["bic"])
    return str(parsed)


def _currency(country: str, currency: str | None) -> str:
    """The payout currency given, or the country's own (VALIDATION when neither is known)."""
    if currency:
        return normalise_currency(currency)
    if country not in COUNTRY_CURRENCY:
        raise ValidationFailed(f"currency is required for a beneficiary in {country}", field=["currency"])
    return COUNTRY_CURRENCY[country]


def check_beneficiary_account(
    *, country: str | None, bic: str | None, iban: str | None, account_number: str | None, currency: str | None = None,
) -> CleanBeneficiaryAccount:
    """The beneficiary's bank details checked: VALIDATION, UNSUPPORTED_CURRENCY or INVALID_BANK_ACCOUNT."""
    code = (country or "").strip().upper()
    if not is_country(code):
        raise ValidationFailed("country must be an ISO 3166-1 alpha-2 code", field=["country"])
    if is_iban_country(code):
        clean = check_bank_account(country=code, bank_code=None, account_number=account_number, iban=iban,
                                   currency=currency or COUNTRY_CURRENCY.get(code) or "EUR")
        return CleanBeneficiaryAccount(country=code, currency=_currency(code, currency), bic=check_bic(bic, code),
                                       number_kind=IBAN, number=clean.number)
    if iban:
        raise ValidationFailed(f"a {code} account has no IBAN: give accountNumber", field=["iban"])
    number = _SPACES.sub("", account_number or "").upper()
    if not _ACCOUNT.fullmatch(number):
        raise InvalidBankAccount("accountNumber: 4 to 34 letters or digits", field=["accountNumber"])
    return CleanBeneficiaryAccount(country=code, currency=_currency(code, currency), bic=check_bic(bic, code),
                                   number_kind=ACCOUNT_NUMBER, number=number)
