"""offersForCustomer: the offers whose target rules select a consenting customer, ranked, each with its reason.

Nothing is cached: consent, the partner's bank-offer setting, the customer's profile, cards and spending are read
at every call, so a withdrawal of consent (or of the partner's permission) hides the offers at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import Q

from auth.principal import Principal
from models import Card, Customer, Offer, OfferEvent
from models.funding import CardStatus
from services import clock
from services.consent.records import has_granted
from services.insights.spending import spent_in_categories
from services.money import format_amount
from services.offers.admin import BANK, bank_offers_allowed
from services.offers.records import OfferRecord
from services.payments.mcc import category_name
from services.scoping import of_tenant, get_scoped

MAX_OFFERS = 20  # a customer is shown at most this many offers, best first


@dataclass(frozen=True)
class OfferMatch:
    """An eligible offer, its rank and why the customer sees it (English and Simplified Chinese)."""

    offer: OfferRecord
    rank: int
    reason_en: str
    reason_zh: str


@dataclass(frozen=True)
class _Profile:
    """What the target rules read about a customer, read once per call."""

    customer: Customer
    has_card: bool
    bank_offers: bool


async def _profile(customer: Customer) -> _Profile:
    """The customer's facts the rules need (cards, the partner's bank-offer setting)."""
    has_card = await Card.filter(customer_id=customer.id, status=CardStatus.ACTIVE).exists()
    return _Profile(customer=customer, has_card=has_card,
                    bank_offers=await bank_offers_allowed(customer.partner_id))  # type: ignore[attr-defined]


def _categories(mccs: list[str]) -> str:
    """Category names for a reason (at most three, then "and others")."""
    names = [category_name(code) or code for code in mccs[:3]]
    return ", ".join(names) + (" and others" if len(mccs) > 3 else "")


async def _reasons(offer: Offer, profile: _Profile) -> tuple[list[str], list[str]] | None:
    """The rules' reasons (en, zh) when every rule selects the customer; None when one does not."""
    customer, en, zh = profile.customer, [], []
    if offer.issuer == BANK and not profile.bank_offers:
        return None
    if offer.countries:
        if customer.country not in offer.countries.split(","):
            return None
        en.append(f"you live in {customer.country}")
        zh.append(f"您居住在{customer.country}")
    if offer.kyc_tier_min is not None or offer.kyc_tier_max is not None:
        low, high = offer.kyc_tier_min or 0, offer.kyc_tier_max if offer.kyc_tier_max is not None else 99
        if not low <= customer.kyc_tier <= high:
            return None
        en.append(f"your verification level is {customer.kyc_tier}")
        zh.append(f"您的认证等级为{customer.kyc_tier}")
    if offer.no_card_linked:
        if profile.has_card:
            return None
        en.append("you have not linked a card yet")
        zh.append("您尚未绑定银行卡")
    if offer.min_spend_minor is not None:
        now, mccs = clock.now(), (offer.min_spend_mccs or "").split(",")
        spent = await spent_in_categories(customer_id=customer.id, mccs=mccs, currency=offer.min_spend_currency or "",
                                          since=now - timedelta(days=offer.min_spend_days or 0), until=now)
        if spent < offer.min_spend_minor:
            return None
        amount = f"{format_amount(spent, offer.min_spend_currency or '')} {offer.min_spend_currency}"
        en.append(f"you spent {amount} on {_categories(mccs)} in the last {offer.min_spend_days} days")
        zh.append(f"您在过去{offer.min_spend_days}天内于{_categories(mccs)}消费了{amount}")
    return en, zh


async def impressions_within_cap(offer: Offer, customer_id: uuid.UUID) -> int | None:
    """Impressions the frequency cap still allows the customer now (None: the offer has no cap)."""
    if offer.max_impressions is None:
        return None
    since = clock.now() - timedelta(days=offer.cap_period_days or 0)
    shown = await OfferEvent.filter(offer_id=offer.id, customer_id=customer_id, kind="IMPRESSION",
                                    recorded_at__gte=since).count()
    return max(0, offer.max_impressions - shown)


def _live() -> Q:
    """ACTIVE offers that have started and not ended (by the clock); the caller narrows them to a partner."""
    now = clock.now()
    return Q(status="ACTIVE", starts_at__lte=now) & (Q(ends_at=None) | Q(ends_at__gt=now))


async def eligibility(offer: Offer, customer: Customer) -> tuple[list[str], list[str]] | None:
    """Why the offer is for the customer now (its reasons), or None: dates, status, rules and frequency cap."""
    if not await of_tenant(Offer, customer.partner_id).filter(_live(), id=offer.id).exists():  # type: ignore[attr-defined]
        return None
    return await _reasons(offer, await _profile(customer))


def _sentence(parts: list[str], *, lead: str, fallback: str, sep: str, end: str) -> str:
    """One plain-language sentence from the rules' reasons."""
    return f"{lead}{sep.join(parts)}{end}" if parts else fallback


async def offers_for_customer(*, principal: Principal, customer_id: uuid.UUID | None) -> list[OfferMatch]:
    """The eligible offers, best first: none at all unless the customer's MARKETING consent is in force now."""
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    if not await has_granted(customer.id):
        return []
    profile = await _profile(customer)
    offers = await of_tenant(Offer, customer.partner_id).filter(_live()).order_by("-priority", "-id")  # type: ignore[attr-defined]
    matches: list[tuple[int, int, Offer, list[str], list[str]]] = []
    for offer in offers:  # a partner's live offers (a handful), never payments
        reasons = await _reasons(offer, profile)
        if reasons is None or await impressions_within_cap(offer, customer.id) == 0:
            continue
        # Rank: the partner's priority first, then the offer that matches more specific rules, then the newest.
        matches.append((offer.priority, len(reasons[0]), offer, *reasons))
    matches.sort(key=lambda m: (-m[0], -m[1]))
    return [
        OfferMatch(offer=OfferRecord.of(offer), rank=position,
                   reason_en=_sentence(en, lead="Because ", fallback="An offer for all customers.", sep=" and ",
                                       end="."),
                   reason_zh=_sentence(zh, lead="因为", fallback="面向所有客户的优惠。", sep="，", end="。"))
        for position, (_, _, offer, en, zh) in enumerate(matches[:MAX_OFFERS], start=1)
    ]
