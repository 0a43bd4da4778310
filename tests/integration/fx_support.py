"""FX test helpers: treasury staff, rates, and a customer with wallets in two currencies (services.fx)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from auth.principal import Principal
from auth.roles import permissions_of
from services.fx.rates import set_rate
from services.ledger.posting import post_top_up
from services.wallets import open_wallet
from tests.integration.service_support import holder


def treasury(role: str = "treasury") -> Principal:
    """A staff principal of the role (treasury by default)."""
    return Principal(kind="staff", subject=str(uuid.uuid4()), partner_id=None, role=role, scopes=permissions_of(role),
                     environment=None)


async def rate(base: str, quote: str, value: str, source: str = "test") -> None:
    """A mid rate set by treasury now."""
    await set_rate(principal=treasury(), base=base, quote=quote, rate=value, source=source, created_by="test:fx")


@dataclass(frozen=True)
class TwoWallets:
    """One US customer with a wallet in each of two currencies."""

    customer_id: uuid.UUID
    sell_wallet: uuid.UUID
    buy_wallet: uuid.UUID
    sell_account: int
    buy_account: int


async def two_wallets(principal: Principal, sell: str = "USD", buy: str = "JPY", *, fund: str | None = "1000.00",
                      key: str | None = None) -> TwoWallets:
    """A new US customer (the default pack covers every currency) with a funded sell wallet and an empty buy wallet."""
    first = await holder(principal, country="US", currency=sell)
    second = await open_wallet(principal=principal, customer_id=first.customer_id, currency=buy)
    if fund is not None:
        await post_top_up(principal=principal, wallet_id=first.wallet_id, amount=fund,
                          idempotency_key=key or f"fund-{first.wallet_id}")
    return TwoWallets(first.customer_id, first.wallet_id, second.id, first.account_id, second.account_id)
