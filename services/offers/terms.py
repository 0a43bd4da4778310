"""An offer's terms as typed values (never JSON): what is offered, when, how often, and to whom (target rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from services.countries import is_country
from services.errors import ValidationFailed
from services.money import CURRENCY_EXPONENTS, parse_amount
from services.payments.mcc import is_known
from services.validation import clean_text

MAX_SPEND_DAYS = 366
MAX_CAP_PERIOD_DAYS = 366
MAX_LIST = 20  # categories or countries in one rule


class OfferProduct(str, Enum):
    SAVINGS = "SAVINGS"
    CREDIT_CARD = "CREDIT_CARD"
    LOAN = "LOAN"
    INSURANCE = "INSURANCE"
    COUPON = "COUPON"
    OTHER = "OTHER"


class OfferStatus(str, Enum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"


@dataclass(frozen=True)
class MinSpend:
    """Spent at least amount (decimal string) in currency at merchants of these categories within the last days."""

    amount: str
    currency: str
    mccs: list[str]
    days: int


@dataclass(frozen=True)
class OfferTerms:
    """offerCreate/offerUpdate's input, unchecked; on update, None means unchanged (clear_* fields clear a rule)."""

    title: str | None = None
    description: str | None = None
    product: Any = None
    coupon_campaign_id: str | None = None
    priority: int | None = None
    status: Any = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_impressions: int | None = None
    cap_period_days: int | None = None
    min_spend: MinSpend | None = None
    kyc_tier_min: int | None = None
    kyc_tier_max: int | None = None
    countries: list[str] | None = None
    no_card_linked: bool | None = None
    clear: frozenset[str] = field(default_factory=frozenset)  # rules to remove: MIN_SPEND, KYC_TIER, COUNTRIES, CAP, END


def _utc(value: datetime, name: str) -> datetime:
    """An aware UTC time."""
    if not isinstance(value, datetime):
        raise ValidationFailed(f"{name} must be a date and time", field=[name])
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _enum(enum: type[Enum], value: Any, name: str) -> str:
    """The value of a closed set, or VALIDATION."""
    try:
        return enum(getattr(value, "value", value)).value
    except ValueError:
        raise ValidationFailed(f"{name} must be one of " + ", ".join(m.value for m in enum), field=[name]) from None


def _small_int(value: Any, name: str, low: int, high: int) -> int:
    """An int within [low, high], or VALIDATION."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(f"{name} must be {low} to {high}", field=[name])
    return value


def _codes(values: list[str], name: str, check: Any, what: str) -> str:
    """A comma list of distinct, valid upper-case codes (1 to MAX_LIST)."""
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_LIST:
        raise ValidationFailed(f"{name} must list 1 to {MAX_LIST} {what}", field=[name])
    cleaned = sorted({str(v).strip().upper() for v in values})
    bad = [v for v in cleaned if not check(v)]
    if bad:
        raise ValidationFailed(f"{name}: unknown {what}: {', '.join(bad[:5])}", field=[name])
    return ",".join(cleaned)


def _min_spend(rule: MinSpend) -> dict[str, Any]:
    """The min-spend rule's columns."""
    currency = rule.currency.strip().upper() if isinstance(rule.currency, str) else ""
    if currency not in CURRENCY_EXPONENTS:
        raise ValidationFailed("minSpend.currency must be a currency the bank offers", field=["minSpend", "currency"])
    minor = parse_amount(rule.amount, currency, field=["minSpend", "amount"])
    return {"min_spend_minor": minor, "min_spend_currency": currency,
            "min_spend_mccs": _codes(rule.mccs, "minSpend.categories", is_known, "merchant category codes"),
            "min_spend_days": _small_int(rule.days, "minSpend.days", 1, MAX_SPEND_DAYS)}


_CLEARED = {
    "MIN_SPEND": {"min_spend_minor": None, "min_spend_currency": None, "min_spend_mccs": None, "min_spend_days": None},
    "KYC_TIER": {"kyc_tier_min": None, "kyc_tier_max": None},
    "COUNTRIES": {"countries": None},
    "CAP": {"max_impressions": None, "cap_period_days": None},
    "END": {"ends_at": None},
}


def checked_columns(terms: OfferTerms, *, creating: bool) -> dict[str, Any]:
    """The model columns the terms set (all required ones when creating), each checked; VALIDATION otherwise."""
    if creating and (terms.title is None or terms.product is None or terms.starts_at is None):
        missing = "title" if terms.title is None else "product" if terms.product is None else "startsAt"
        raise ValidationFailed(f"{missing} is required", field=[missing])
    unknown = set(terms.clear) - set(_CLEARED)
    if unknown:
        raise ValidationFailed("clear names unknown rules", field=["clear"])
    columns: dict[str, Any] = {}
    for rule in sorted(terms.clear):
        columns.update(_CLEARED[rule])
    if terms.title is not None:
        columns["title"] = clean_text(terms.title, field="title", max_len=100)
    if terms.description is not None or creating:
        columns["description"] = clean_text(terms.description or "", field="description", max_len=500,
                                            required=False) or ""
    if terms.product is not None:
        columns["product"] = _enum(OfferProduct, terms.product, "product")
    if terms.coupon_campaign_id is not None:
        columns["coupon_campaign_ref"] = clean_text(terms.coupon_campaign_id, field="couponCampaignId", max_len=128)
    if terms.priority is not None:
        columns["priority"] = _small_int(terms.priority, "priority", 0, 1000)
    if terms.status is not None:
        columns["status"] = _enum(OfferStatus, terms.status, "status")
    if terms.starts_at is not None:
        columns["starts_at"] = _utc(terms.starts_at, "startsAt")
    if terms.ends_at is not None:
        columns["ends_at"] = _utc(terms.ends_at, "endsAt")
    if (terms.max_impressions is None) != (terms.cap_period_days is None):
        raise ValidationFailed("a frequency cap needs both maxImpressions and periodDays", field=["frequencyCap"])
    if terms.max_impressions is not None:
        columns["max_impressions"] = _small_int(terms.max_impressions, "frequencyCap.maxImpressions", 1, 1000)
        columns["cap_period_days"] = _small_int(terms.cap_period_days, "frequencyCap.periodDays", 1, MAX_CAP_PERIOD_DAYS)
    if terms.min_spend is not None:
        columns.update(_min_spend(terms.min_spend))
    for name, value in (("kyc_tier_min", terms.kyc_tier_min), ("kyc_tier_max", terms.kyc_tier_max)):
        if value is not None:
            columns[name] = _small_int(value, "kycTier." + ("min" if name.endswith("min") else "max"), 0, 9)
    if terms.countries is not None:
        columns["countries"] = _codes(terms.countries, "countries", is_country, "ISO 3166-1 alpha-2 countries")
    if terms.no_card_linked is not None:
        columns["no_card_linked"] = bool(terms.no_card_linked)
    return columns


def check_consistent(row: Any) -> None:
    """The offer's terms as a whole (after an update too): its dates in order, its KYC range not empty."""
    if row.ends_at is not None and row.ends_at <= row.starts_at:
        raise ValidationFailed("endsAt must be after startsAt", field=["endsAt"])
    if row.kyc_tier_min is not None and row.kyc_tier_max is not None and row.kyc_tier_min > row.kyc_tier_max:
        raise ValidationFailed("kycTier.min must not exceed kycTier.max", field=["kycTier", "max"])

