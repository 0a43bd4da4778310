"""services.ledger.batch_transfers: an all-or-nothing batch that rolls back leaves nothing behind, not even the
wallets' noted activity (a dormant wallet's next real posting must still be checked)."""

from __future__ import annotations

from models import Transaction
from services.caches import LAST_ACTIVE
from services.errors import BatchAborted, InsufficientFunds
from services.ledger.batch_transfers import TransferOrder, create_transfers
from services.ledger.posting import post_top_up
from tests.integration.service_support import holder, new_partner


async def test_a_rolled_back_atomic_batch_forgets_the_activity_it_noted(database_url):
    principal = await new_partner("atomic")
    payer, payee, other = await holder(principal), await holder(principal), await holder(principal)
    await post_top_up(principal=principal, wallet_id=payer.wallet_id, amount="10.00", idempotency_key="atomic-fund")
    LAST_ACTIVE.clear()
    count = await Transaction.all().count()
    outcomes = await create_transfers(principal, [
        TransferOrder(from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id, amount="1.00", idempotency_key="a-1"),
        TransferOrder(from_wallet_id=other.wallet_id, to_wallet_id=payee.wallet_id, amount="1.00", idempotency_key="a-2"),
    ], None, atomic=True)
    assert isinstance(outcomes[0], BatchAborted) and isinstance(outcomes[1], InsufficientFunds)
    assert await Transaction.all().count() == count
    assert LAST_ACTIVE.get(payer.wallet_id) is None and LAST_ACTIVE.get(payee.wallet_id) is None
    posted = await create_transfers(principal, [
        TransferOrder(from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id, amount="1.00", idempotency_key="a-1"),
    ], None, atomic=True)
    assert posted[0].status.value == "POSTED" and LAST_ACTIVE.get(payer.wallet_id) is not None
