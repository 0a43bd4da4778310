"""Per-country rules of a bank account (pure): IBAN countries, CN and US; anything else is UNSUPPORTED_COUNTRY.

- IBAN countries (every country schwifty knows an IBAN format for): the IBAN
  is required and checked (mod-97 check digits, the country's length and
  structure); bankCode is an optional BIC, else derived from the IBAN where
  schwifty's bank registry knows the bank.
- US: bankCode is the ABA routing number (9 digits with its checksum,
  stdnum.us.rtn); the account number has 4 to 17 digits.
- CN: neither python-stdnum nor schwifty validates Chinese bank accounts
  (stdnum.cn has only resident and social-credit numbers, and CN has no IBAN).
  The rule applied: bankCode is a CNAPS bank code of exactly 12 digits and the
  account number has 10 to 30 digits (no public checksum exists for either).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty import registry as schwifty_registry
from schwifty.exceptions import InvalidChecksumDigits, InvalidLength, SchwiftyException
from stdnum.us import rtn

from services.countries import is_country
from services.errors import InvalidBankAccount, UnsupportedCountry, ValidationFailed
from services.money import CURRENCY_EXPONENTS

_DIGITS_US = re.compile(r"[0-9]{4,17}")
_DIGITS_CN = re.compile(r"[0-9]{10,30}")
_CNAPS = re.compile(r"[0-9]{12}")
_SPACES = re.compile(r"[\s-]+")

# The currency of an account's micro-deposits when the partner names none: the country's own.
COUNTRY_CURRENCY: dict[str, str] = {
    "CN": "CNY", "US": "USD", "GB": "GBP", "CH": "CHF", "LI": "CHF", "SE": "SEK", "NO": "NOK", "DK": "DKK",
    "PL": "PLN", "CZ": "CZK", "HU": "HUF", "IS": "ISK", "AE": "AED", "BH": "BHD", "SA": "SAR", "IL": "ILS",
    "JO": "JOD", "KW": "KWD", "TR": "TRY", "TN": "TND", "BR": "BRL", "OM": "OMR", "QA": "QAR", "RO": "RON",
    **{c: "EUR" for c in "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MC MT NL PT SI SK SM VA AD".split()},
}


@dataclass(frozen=True)
class CleanBankAccount:
    """A bank account that passed its country's rules: the number (IBAN or account number) is PII."""

    country: str
    currency: str
    bank_code: str | None
    number: str

    @property
    def last_four(self) -> str:
        """The last four characters of the number (all that is ever shown)."""
        return self.number[-4:]


def is_iban_country(country: str) -> bool:
    """Whether schwifty knows an IBAN format for the country."""
    try:
        schwifty_registry.get_iban_spec(country)
    except SchwiftyException:
        return False
    return True


def _compact(value: str | None) -> str:
    """Spaces and dashes removed, upper case (the form numbers are checked and stored in)."""
    return _SPACES.sub("", value or "").upper()


def _iban(country: str, iban: str | None, bank_code: str | None) -> tuple[str, str | None]:
    """The checked IBAN and BIC (given, or derived from the IBAN's bank where known)."""
    text = _compact(iban)
    if not text:
        raise InvalidBankAccount(f"iban is required for a {country} account", field=["iban"])
    if not text.startswith(country):
        raise InvalidBankAccount(f"iban: must be a {country} IBAN (it starts with {country})", field=["iban"])
    try:
        parsed = IBAN(text)
    except InvalidChecksumDigits:
        raise InvalidBankAccount("iban: the check digits are wrong (mod-97)", field=["iban"]) from None
    except InvalidLength:
        raise InvalidBankAccount(f"iban: wrong length for a {country} IBAN", field=["iban"]) from None
    except SchwiftyException as error:
        raise InvalidBankAccount(f"iban: {error}", field=["iban"]) from None
    bic = _compact(bank_code) or None
    if bic is not None:
        try:
            bic = str(BIC(bic))
        except SchwiftyException as error:
            raise InvalidBankAccount(f"bankCode: not a valid BIC ({error})", field=["bankCode"]) from None
    else:
        derived = parsed.bic
        bic = str(derived) if derived else None
    return parsed.compact, bic


def _us(bank_code: str | None, account_number: str | None) -> tuple[str, str]:
    """The checked ABA routing number and account number of a US account."""
    routing = _compact(bank_code)
    if not rtn.is_valid(routing):
        raise InvalidBankAccount("bankCode: not a valid ABA routing number (9 digits with a checksum)", field=["bankCode"])
    number = _compact(account_number)
    if not _DIGITS_US.fullmatch(number):
        raise InvalidBankAccount("accountNumber: a US account number has 4 to 17 digits", field=["accountNumber"])
    return rtn.compact(routing), number


def _cn(bank_code: str | None, account_number: str | None) -> tuple[str, str]:
    """The checked CNAPS bank code and account number of a CN account (no public checksum: lengths and digits)."""
    cnaps = _compact(bank_code)
    if not _CNAPS.fullmatch(cnaps):
        raise InvalidBankAccount("bankCode: a CNAPS bank code has exactly 12 digits", field=["bankCode"])
    number = _compact(account_number)
    if not _DIGITS_CN.fullmatch(number):
        raise InvalidBankAccount("accountNumber: a CN account number has 10 to 30 digits", field=["accountNumber"])
    return cnaps, number


def _currency(country: str, currency: str | None) -> str:
    """The given currency (an offered ISO 4217 code) or the country's own."""
    code = (currency or "").strip().upper() or COUNTRY_CURRENCY.get(country, "")
    if not code:
        raise ValidationFailed(f"currency is required for a {country} account", field=["currency"])
    if code not in CURRENCY_EXPONENTS:
        raise ValidationFailed(f"currency {code} is not offered", field=["currency"])
    return code


def check_bank_account(
    *, country: str | None, bank_code: str | None, account_number: str | None, iban: str | None,
    currency: str | None = None,
) -> CleanBankAccount:
    """The account checked against its country's rules; VALIDATION, UNSUPPORTED_COUNTRY or INVALID_BANK_ACCOUNT."""
    code = (country or "").strip().upper()
    if not is_country(code):
        raise ValidationFailed("country must be an ISO 3166-1 alpha-2 code", field=["country"])
    if is_iban_country(code):
        if account_number:
            raise ValidationFailed(f"a {code} account is given by its iban, not an accountNumber", field=["accountNumber"])
        number, bic = _iban(code, iban, bank_code)
        return CleanBankAccount(country=code, currency=_currency(code, currency), bank_code=bic, number=number)
    if code not in ("US", "CN"):
        raise UnsupportedCountry(f"bank accounts in {code} cannot be linked (IBAN countries, CN and US can)",
                                 field=["country"])
    if iban:
        raise ValidationFailed(f"a {code} account has no IBAN: give bankCode and accountNumber", field=["iban"])
    bank, number = _us(bank_code, account_number) if code == "US" else _cn(bank_code, account_number)
    return CleanBankAccount(country=code, currency=_currency(code, currency), bank_code=bank, number=number)


def masked(last_four: str) -> str:
    """How a stored account number is shown: `•••• 1234`."""
    return f"•••• {last_four}"
