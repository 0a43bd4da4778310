"""The Subscription root: walletUpdated, transactionUpdated and events.

Each subscription checks the same scope and the same visibility as the matching
query when it starts (a customer token sees only its own wallets; another
partner's wallet is NOT_FOUND), holds one of the caller's live slots
(services.live.slots: 100 per partner per process; strawberry caps each
connection at 10 operations), and re-reads the object through the same service
for every update, so what it sends is what a query would answer at that moment.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from auth.principal import Principal
from schema.common.context import Info
from schema.common.permissions import requires, requires_partner
from schema.common.relay import global_id_to_uuid
from schema.ledger.types import Transaction
from schema.loaders import Loaders
from schema.subscriptions.types import LiveEvent
from schema.wallets.types import Wallet
from services import live
from services import wallets as wallet_service
from services.errors import NotFound, ValidationFailed
from services.ledger import queries as ledger_queries
from services.wallets import WalletRecord

WalletIdArg = Annotated[strawberry.ID, strawberry.argument(
    description="The wallet's global ID (Wallet.id); another partner's wallet, or with a customer token another"
    " customer's, is a NOT_FOUND error."
)]


def _owner(principal: Principal) -> str:
    return f"staff:{principal.subject}" if principal.partner_id is None else f"partner:{principal.partner_id}"


async def _visible_wallet(info: Info, wallet_id: strawberry.ID) -> WalletRecord:
    """The wallet, once the caller may see it (same rule as the wallet query), else NotFound."""
    return await wallet_service.get_wallet(principal=info.context.principal, wallet_id=global_id_to_uuid(wallet_id, "Wallet"))


def _fresh_loaders(info: Info) -> None:
    # One connection lives long: DataLoader caches must not outlive one update.
    info.context.loaders = Loaders(info.context.principal)


@strawberry.type(
    description="Live updates over a websocket on /graphql (protocol graphql-transport-ws; send the token in"
    " connection_init as {\"Authorization\": \"Bearer …\"} or {\"token\": …}). Each field needs the same scope as"
    " its query; at most 10 subscriptions per connection and 100 per partner and server process (LIMIT_EXCEEDED)."
)
class Subscription:
    @strawberry.subscription(
        permission_classes=requires("wallets:read"),
        description="The wallet now, then again after every transaction that changes it (balance, available"
        " balance, status). Needs wallets:read; a customer token only its own wallets.",
    )
    async def wallet_updated(self, info: Info, wallet_id: WalletIdArg) -> AsyncGenerator[Wallet, None]:
        principal = info.context.principal
        wallet_uuid = (await _visible_wallet(info, wallet_id)).id
        with live.slot(_owner(principal)):
            async with live.subscribe(live.wallet_topic(wallet_uuid)) as updates:
                # Read after subscribing: a change between the two is in the queue, never lost.
                yield Wallet.from_record(await wallet_service.get_wallet(principal=principal, wallet_id=wallet_uuid))
                while True:
                    await updates.next()
                    updates.skip_queued()  # one re-read answers every change queued so far
                    _fresh_loaders(info)
                    yield Wallet.from_record(await wallet_service.get_wallet(principal=principal, wallet_id=wallet_uuid))

    @strawberry.subscription(
        permission_classes=requires("transactions:read"),
        description="Every new transaction on the wallet (posted, held or rejected) as it is written. Needs"
        " transactions:read; a customer token only its own wallets.",
    )
    async def transaction_updated(self, info: Info, wallet_id: WalletIdArg) -> AsyncGenerator[Transaction, None]:
        principal = info.context.principal
        wallet_uuid = (await _visible_wallet(info, wallet_id)).id
        with live.slot(_owner(principal)):
            async with live.subscribe(live.wallet_topic(wallet_uuid)) as updates:
                while True:
                    message = await updates.next()
                    if not message.get("transactionId"):
                        continue  # a change of the wallet itself (frozen, closed): walletUpdated's business
                    _fresh_loaders(info)
                    try:
                        record = await ledger_queries.get_transaction(
                            principal=principal, transaction_id=uuid.UUID(message["transactionId"])
                        )
                    except NotFound:
                        continue  # not visible to this caller: say nothing
                    yield Transaction.from_record(record)

    @strawberry.subscription(
        permission_classes=requires_partner("transactions:read"),
        description="Your partner's live events as they happen, optionally only some types. The partner's own"
        " token with transactions:read. Missed events are not resent: replay them with the events query.",
    )
    async def events(
        self, info: Info,
        types: Annotated[list[str] | None, strawberry.argument(
            description="Only these event types (transaction.posted, transaction.held, transaction.rejected);"
            " null or omitted: all. An unknown type is a VALIDATION error."
        )] = None,
    ) -> AsyncGenerator[LiveEvent, None]:
        principal = info.context.principal
        unknown = sorted(set(types or ()) - set(live.EVENT_TYPES))
        if unknown:
            raise ValidationFailed(f"unknown event type(s): {', '.join(unknown)}", field=["types"])
        wanted = set(types) if types else None
        with live.slot(_owner(principal)):
            async with live.subscribe(live.event_topic(principal.partner_id)) as updates:
                while True:
                    message = await updates.next()
                    if wanted is None or message.get("type") in wanted:
                        yield LiveEvent.from_message(message)
