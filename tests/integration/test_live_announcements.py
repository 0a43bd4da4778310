"""Live updates for changes that are not new postings: a held transaction decided, a wallet frozen or closed."""

from __future__ import annotations

import asyncio
import uuid

from auth.principal import Principal
from services import live
from services.wallet_freeze import freeze_wallet, unfreeze_wallet
from tests.integration.aml_support import ensure_aml_packs, held_transfer, resolve
from tests.integration.service_support import holder, new_partner

OFFICER = Principal(kind="staff", subject=str(uuid.UUID(int=13)), partner_id=None, role="compliance",
                    scopes=frozenset({"wallets:freeze"}))


async def _next(updates) -> dict:
    """The next live message, or fail after a second."""
    return await asyncio.wait_for(updates.next(), 1.0)


async def test_freezing_and_unfreezing_tell_the_wallets_subscribers(database_url):
    """walletUpdated re-reads the wallet when its status changes, not only when money moves."""
    principal = await new_partner("live-freeze")
    one = await holder(principal)
    async with live.subscribe(live.wallet_topic(one.wallet_id)) as updates:
        await freeze_wallet(principal=OFFICER, wallet_id=one.wallet_id, reason="live update test")
        assert await _next(updates) == {"walletId": str(one.wallet_id), "transactionId": None, "kind": None,
                                        "status": "FROZEN"}
        await unfreeze_wallet(principal=OFFICER, wallet_id=one.wallet_id, reason="live update test")
        assert (await _next(updates))["status"] == "ACTIVE"


async def test_releasing_a_held_transaction_tells_both_wallets(database_url):
    """A compliance release moves money after the fact: both wallets' subscribers hear of the transaction."""
    await ensure_aml_packs()
    _, payer, payee, txn, alert = await held_transfer()
    async with live.subscribe(live.wallet_topic(payer.wallet_id)) as paying, \
            live.subscribe(live.wallet_topic(payee.wallet_id)) as receiving:
        await resolve(alert["id"], "RELEASE")
        for updates in (paying, receiving):
            message = await _next(updates)
            assert message["transactionId"] == str(txn.id) and message["status"] == "POSTED"
