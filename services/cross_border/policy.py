"""A policy pack's crossBorder section: refused and review countries, the annual quota, purpose codes.

Stored on compliance_policy.cross_border as a checked JSON document (amounts in minor units):
{"refusedCountries": [...], "reviewCountries": [...], "annualQuota": {"currency", "amountMinor", "customerKinds"}
or null, "purposeCodeRequired": bool, "purposeCodes": [...]}. A malformed section is VALIDATION naming the field
(under crossBorder), and nothing is stored. A pack without the section refuses no country, holds none for review,
has no quota and takes an optional purpose code from the default list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from services.countries import is_country
from services.cross_border.purpose_codes import DEFAULT_PURPOSE_CODES
from services.errors import InvalidAmount, UnsupportedCurrency, ValidationFailed
from services.money import MAX_MINOR, currency_exponent, parse_amount

SECTION = "crossBorder"
CUSTOMER_KINDS = ("INDIVIDUAL", "BUSINESS")
_PURPOSE = re.compile(r"[A-Z0-9]{2,8}")


@dataclass(frozen=True)
class AnnualQuota:
    """What one customer may send abroad in a calendar year (the pack's timezone), in the quota currency."""

    currency: str
    amount_minor: int
    customer_kinds: tuple[str, ...]


@dataclass(frozen=True)
class CrossBorderRules:
    """A pack's rules for international transfers sent by its customers."""

    refused_countries: frozenset[str] = frozenset()
    review_countries: frozenset[str] = frozenset()
    annual_quota: AnnualQuota | None = None
    purpose_code_required: bool = False
    purpose_codes: tuple[str, ...] = DEFAULT_PURPOSE_CODES


NO_RULES = CrossBorderRules()


def _fail(message: str, *field: str | int) -> ValidationFailed:
    """VALIDATION naming the field under crossBorder."""
    return ValidationFailed(message, field=[SECTION, *(str(f) for f in field)])


def _countries(values: Any, name: str) -> list[str]:
    """Distinct ISO 3166-1 alpha-2 codes, sorted."""
    if not isinstance(values, list) or len(values) > 300:
        raise _fail(f"{name} must be a list of country codes", name)
    for i, code in enumerate(values):
        if not isinstance(code, str) or not is_country(code):
            raise _fail(f"unknown country {code!r}", name, i)
    if len(set(values)) != len(values):
        raise _fail("a country is listed twice", name)
    return sorted(values)


def _quota(value: Any) -> dict[str, Any] | None:
    """The annual quota in its stored form, or None (no quota)."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"currency", "amountMinor", "customerKinds"}:
        raise _fail("annualQuota is {currency, amountMinor, customerKinds} or null", "annualQuota")
    currency = value.get("currency")
    try:
        currency_exponent(currency)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - any unknown code is the same refusal
        raise _fail(f"currency {currency!r} is not offered", "annualQuota", "currency") from None
    amount = value.get("amountMinor")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_MINOR:
        raise _fail("amountMinor is a whole number of minor units", "annualQuota", "amountMinor")
    kinds = value.get("customerKinds", ["INDIVIDUAL"])
    if not isinstance(kinds, list) or not kinds or set(kinds) - set(CUSTOMER_KINDS) or len(set(kinds)) != len(kinds):
        raise _fail(f"customerKinds lists {' or '.join(CUSTOMER_KINDS)}", "annualQuota", "customerKinds")
    return {"currency": currency, "amountMinor": amount, "customerKinds": sorted(kinds)}


def _purpose_codes(values: Any) -> list[str]:
    """Distinct short upper-case codes (2-8 letters or digits)."""
    if not isinstance(values, list) or not 1 <= len(values) <= 100:
        raise _fail("purposeCodes lists 1 to 100 codes", "purposeCodes")
    for i, code in enumerate(values):
        if not isinstance(code, str) or not _PURPOSE.fullmatch(code):
            raise _fail("a purpose code is 2 to 8 capitals or digits", "purposeCodes", i)
    if len(set(values)) != len(values):
        raise _fail("a purpose code is listed twice", "purposeCodes")
    return sorted(values)


def check_cross_border(section: Any) -> dict[str, Any]:
    """The section checked and in its stored form (VALIDATION naming the field otherwise)."""
    if not isinstance(section, dict):
        raise _fail("crossBorder is an object")
    known = {"refusedCountries", "reviewCountries", "annualQuota", "purposeCodeRequired", "purposeCodes"}
    if set(section) - known:
        raise _fail(f"unknown part {sorted(set(section) - known)[0]!r}")
    refused = _countries(section.get("refusedCountries", []), "refusedCountries")
    review = _countries(section.get("reviewCountries", []), "reviewCountries")
    both = sorted(set(refused) & set(review))
    if both:
        raise _fail(f"{both[0]} is both refused and sent to review", "reviewCountries")
    required = section.get("purposeCodeRequired", False)
    if not isinstance(required, bool):
        raise _fail("purposeCodeRequired is true or false", "purposeCodeRequired")
    return {
        "refusedCountries": refused, "reviewCountries": review, "annualQuota": _quota(section.get("annualQuota")),
        "purposeCodeRequired": required,
        "purposeCodes": _purpose_codes(section.get("purposeCodes", list(DEFAULT_PURPOSE_CODES))),
    }


def section_from_input(section: Any) -> Any:
    """The API's section (annualQuota as a decimal `amount` in its currency) in the stored shape, for checking."""
    if not isinstance(section, dict) or not isinstance(section.get("annualQuota"), dict):
        return section
    quota = dict(section["annualQuota"])
    if "amount" in quota:
        currency = quota.get("currency")
        try:
            quota["amountMinor"] = parse_amount(str(quota.pop("amount")), currency)  # type: ignore[arg-type]
        except (InvalidAmount, UnsupportedCurrency) as error:
            raise _fail(error.message, "annualQuota", "amount") from None
    return {**section, "annualQuota": quota}


def rules_from_document(section: dict[str, Any] | None) -> CrossBorderRules:
    """The stored section as typed rules (NO_RULES when the pack has none)."""
    if not section:
        return NO_RULES
    quota = section.get("annualQuota")
    return CrossBorderRules(
        refused_countries=frozenset(section.get("refusedCountries", ())),
        review_countries=frozenset(section.get("reviewCountries", ())),
        annual_quota=AnnualQuota(currency=quota["currency"], amount_minor=int(quota["amountMinor"]),
                                 customer_kinds=tuple(quota.get("customerKinds", ("INDIVIDUAL",)))) if quota else None,
        purpose_code_required=bool(section.get("purposeCodeRequired", False)),
        purpose_codes=tuple(section.get("purposeCodes") or DEFAULT_PURPOSE_CODES),
    )


# The shipped packs' sections (whole units in the quota). FATF's "call for action" countries are refused
# everywhere; its increased-monitoring list goes to review (a selection: the bank keeps the list current).
_FATF_REFUSED = ["IR", "KP", "MM"]
_FATF_REVIEW = ["AF", "SY", "YE", "VE", "HT", "SS"]
SHIPPED_SECTIONS: dict[str, dict[str, Any]] = {
    # China: SAFE's annual foreign-exchange facilitation quota for individuals, USD 50,000 per calendar year, and a
    # declared purpose on every outward remittance.
    "CN": {"refusedCountries": _FATF_REFUSED, "reviewCountries": _FATF_REVIEW,
           "annualQuota": {"currency": "USD", "amountMinor": 50_000 * 100, "customerKinds": ["INDIVIDUAL"]},
           "purposeCodeRequired": True, "purposeCodes": list(DEFAULT_PURPOSE_CODES)},
    "EU": {"refusedCountries": _FATF_REFUSED, "reviewCountries": _FATF_REVIEW, "annualQuota": None,
           "purposeCodeRequired": False, "purposeCodes": list(DEFAULT_PURPOSE_CODES)},
    "DEFAULT": {"refusedCountries": _FATF_REFUSED, "reviewCountries": _FATF_REVIEW, "annualQuota": None,
                "purposeCodeRequired": False, "purposeCodes": list(DEFAULT_PURPOSE_CODES)},
}
