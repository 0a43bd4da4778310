"""Helpers for international transfer tests: a funded CN sender, a US beneficiary, a CNY->USD quote, rail steps."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from tortoise import connections

from auth.principal import Principal
from services import clock
from services.beneficiaries.creating import create_beneficiary
from services.compliance.policy_admin import get_policy, update_policy
from services.db.sql import fetch
from services.fx.quotes import create_quote
from services.ledger.posting import post_top_up
from services.rails import registry
from services.rails.config import SimulatedRailSettings
from services.rails.jobs import deliver_simulated_due, run_rail_jobs
from services.rails.simulated import SimulatedRail
from tests.integration.fx_support import rate
from tests.integration.service_support import Holder, holder

_keys = iter(range(1, 10**6))


def key(prefix: str = "xb") -> str:
    """A fresh idempotency key."""
    return f"{prefix}-{next(_keys)}"


def rail(**settings: float) -> None:
    """Use a simulated rail with these settings (no latency)."""
    registry.reset()
    registry.register(SimulatedRail("simulated", SimulatedRailSettings(latency_s=0, return_latency_s=0,
                                                                        **settings)))  # type: ignore[arg-type]


async def money(who: Holder) -> tuple[int, int]:
    """(balance, available) of the holder's wallet, in minor units."""
    rows = await fetch(connections.get("default"), "SELECT balance_minor, held_minor FROM account WHERE id = $1",
                       [who.account_id])
    return int(rows[0]["balance_minor"]), int(rows[0]["balance_minor"]) - int(rows[0]["held_minor"])


async def sender(principal: Principal, fund: str = "10000.00", *, country: str = "CN", currency: str = "CNY",
                 tier: int | None = 3) -> Holder:
    """A funded customer (CN, Class III by default: cross-border allowed)."""
    who = await holder(principal, country=country, currency=currency, tier=tier)
    await post_top_up(principal=principal, wallet_id=who.wallet_id, amount=fund, idempotency_key=key("fund"))
    return who


async def us_beneficiary(principal: Principal, who: Holder, *, name: str = "Jane Roe", country: str = "US",
                         bic: str = "CHASUS33", **extra: Any):  # noqa: ANN201
    """An ACTIVE beneficiary of the holder at a bank in `country` (a US account by default)."""
    account = {"account_number": "123456789" if "iban" not in extra else None}
    return await create_beneficiary(principal=principal, customer_id=who.customer_id, name=name, country=country,
                                    bic=bic, address="1 Main St, Springfield", **{"iban": None, **account, **extra})


async def cny_usd_quote(principal: Principal, who: Holder, sell: str = "700.00", buy: str = "USD"):  # noqa: ANN201
    """A quote selling CNY for USD for the holder's wallet, at 0.14 USD per CNY."""
    await rate("CNY", buy, "0.14")
    return await create_quote(principal=principal, sell_currency="CNY", buy_currency=buy, sell_amount=sell,
                              from_wallet_id=who.wallet_id)


async def deliver_all() -> None:
    """Hand waiting transfers to the rail and deliver every due outcome."""
    await run_rail_jobs(now=clock.now() + timedelta(seconds=1))
    await deliver_simulated_due(now=clock.now() + timedelta(seconds=1))


@asynccontextmanager
async def cn_quota(amount_minor: int):  # noqa: ANN201
    """The CN pack's annual quota lowered to amount_minor USD cents for the block (restored afterwards)."""
    before = (await get_policy(jurisdiction="CN")).cross_border
    assert before is not None
    section = {**before, "annualQuota": {"currency": "USD", "amountMinor": amount_minor,
                                         "customerKinds": ["INDIVIDUAL"]}}
    await update_policy(jurisdiction="CN", values={"cross_border": section}, actor="test")
    try:
        yield
    finally:
        await update_policy(jurisdiction="CN", values={"cross_border": before}, actor="test")
