"""services.ledger.locking: the one lock query on wallet accounts, balance changes and reservations.

Balance changes without entries would break the ledger's invariants, so each
test looks inside its own transaction and rolls it back.
"""

from __future__ import annotations

import uuid

import pytest
from tortoise.transactions import in_transaction

from models.enums import AccountKind
from services.ledger.locking import apply_balance_changes, lock_wallet_accounts, lock_wallets, reserve
from services.ledger.posting import post_top_up
from services.system_accounts import system_account_id
from tests.integration.backend_support import balances
from tests.integration.service_support import holder, new_partner


class Rollback(Exception):
    pass


async def test_a_partner_locks_only_its_own_wallets(database_url):
    mine, theirs = await new_partner("locking"), await new_partner("locking")
    a, b = await holder(mine), await holder(mine, country="US", currency="USD")
    other = await holder(theirs)
    await post_top_up(principal=mine, wallet_id=a.wallet_id, amount="7.00", idempotency_key="seven")
    async with in_transaction() as conn:
        locked = await lock_wallets(conn, partner_id=mine.partner_id, wallet_ids=[a.wallet_id, other.wallet_id, b.wallet_id])
    assert set(locked) == {a.wallet_id, b.wallet_id}
    wallet = locked[a.wallet_id]
    assert (wallet.customer_id, wallet.status, wallet.currency, wallet.account_id, wallet.balance_minor, wallet.held_minor) == (
        a.customer_id, "ACTIVE", "CNY", a.account_id, 700, 0)
    assert locked[b.wallet_id].currency == "USD"
    async with in_transaction() as conn:
        assert await lock_wallets(conn, partner_id=None, wallet_ids=[a.wallet_id]) == {}
        assert await lock_wallets(conn, partner_id=mine.partner_id, wallet_ids=[uuid.uuid4()]) == {}


async def test_system_accounts_are_never_locked_with_the_wallets(database_url):
    partner = await new_partner("locking")
    a, b = await holder(partner), await holder(partner)
    settlement = await system_account_id(AccountKind.SETTLEMENT, "CNY", create=False)
    async with in_transaction() as conn:
        rows = await lock_wallet_accounts(conn, [b.account_id, settlement, a.account_id])
    assert list(rows) == sorted([a.account_id, b.account_id])  # in account-id order, the settlement account left out
    assert uuid.UUID(str(rows[a.account_id]["wallet_id"])) == a.wallet_id
    assert rows[a.account_id]["screening_status"] == "CLEAR"
    assert int(rows[a.account_id]["kyc_tier"]) == 3 and rows[a.account_id]["country"] == "CN"


async def test_balance_changes_and_reservations_apply_to_the_locked_accounts(database_url):
    partner = await new_partner("locking")
    a, b = await holder(partner), await holder(partner)
    with pytest.raises(Rollback):
        async with in_transaction() as conn:
            await lock_wallet_accounts(conn, [a.account_id, b.account_id])
            await apply_balance_changes(conn, {b.account_id: 250, a.account_id: -250})
            await apply_balance_changes(conn, {})  # nothing to change: no statement
            await reserve(conn, a.account_id, 40)
            rows = await lock_wallet_accounts(conn, [a.account_id, b.account_id])
            assert [(int(rows[h.account_id]["balance_minor"]), int(rows[h.account_id]["held_minor"])) for h in (a, b)] == [
                (-250, 40), (250, 0)]
            await reserve(conn, a.account_id, -40)  # a reservation ends
            rows = await lock_wallet_accounts(conn, [a.account_id])
            assert int(rows[a.account_id]["held_minor"]) == 0
            raise Rollback
    assert await balances(a, b) == [(0, 0), (0, 0)]


async def test_a_change_to_an_account_that_does_not_exist_is_an_error_not_a_silent_skip(database_url):
    partner = await new_partner("locking")
    a = await holder(partner)
    with pytest.raises(RuntimeError, match="expected to update 2 accounts, updated 1"):
        async with in_transaction() as conn:
            await apply_balance_changes(conn, {a.account_id: 5, 2**62: -5})
    assert await balances(a) == [(0, 0)]  # the transaction rolled back
