"""transactionReverse in the posting engine: the original claimed in the reversal's own write, exactly once."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from auth.principal import Principal
from auth.roles import permissions_of
from models import Transaction
from services.errors import DomainError, Forbidden, TransactionNotReversible
from services.ledger.posting import post_top_up, post_transfer
from services.ledger.reversal import reverse_transaction
from services.ledger.verify import verify_ledger
from tests.conftest import requires_postgres
from tests.integration.service_support import holder, new_partner


def officer(role: str = "compliance") -> Principal:
    """A staff principal of the role."""
    return Principal(kind="staff", subject=str(uuid.uuid4()), partner_id=None, role=role, scopes=permissions_of(role),
                     environment=None)


async def _transfer(name: str):
    """A partner's 40.00 transfer between two of its wallets (the payer funded with 100.00)."""
    principal = await new_partner(name)
    payer, payee = await holder(principal), await holder(principal)
    await post_top_up(principal=principal, wallet_id=payer.wallet_id, amount="100.00", idempotency_key=f"{name}-fund")
    return await post_transfer(principal=principal, from_wallet_id=payer.wallet_id, to_wallet_id=payee.wallet_id,
                               amount="40.00", idempotency_key=f"{name}-move")


async def test_a_reversal_negates_the_original_and_names_itself_on_it(database_url):
    original = await _transfer("rev-once")
    with pytest.raises(Forbidden):
        await reverse_transaction(principal=officer("support"), transaction_id=original.id, reason="not mine")
    reversal = await reverse_transaction(principal=officer(), transaction_id=original.id, reason="duplicate payment")
    assert (reversal.kind.value, reversal.amount_minor, reversal.fee_minor) == ("REVERSAL", original.amount_minor, 0)
    assert (reversal.from_wallet_id, reversal.to_wallet_id) == (original.to_wallet_id, original.from_wallet_id)
    assert (await Transaction.get(id=original.id)).reversed_by == reversal.id
    with pytest.raises(TransactionNotReversible):
        await reverse_transaction(principal=officer("admin"), transaction_id=original.id, reason="again")
    assert (await verify_ledger()).ok


@requires_postgres
async def test_five_officers_reversing_at_once_make_one_reversal(database_url):
    original = await _transfer("rev-race")

    async def attempt(n: int):
        try:
            return await reverse_transaction(principal=officer(), transaction_id=original.id, reason=f"race {n}")
        except DomainError as refusal:
            return refusal.code

    results = await asyncio.gather(*(attempt(n) for n in range(5)))
    reversals = [r for r in results if not isinstance(r, str)]
    assert len(reversals) == 1, results
    assert set(r for r in results if isinstance(r, str)) <= {"NOT_REVERSIBLE", "IDEMPOTENCY_CONFLICT"}
    assert await Transaction.filter(kind="REVERSAL", partner_id=original.partner_id).count() == 1
    assert (await verify_ledger()).ok
