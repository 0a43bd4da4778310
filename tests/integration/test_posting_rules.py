"""The posting engine's refusals and bookings, one rule at a time, on the real services and database."""

from __future__ import annotations

import uuid

import pytest

from models import Entry, Wallet
from models.enums import AccountKind, WalletStatus
from services.errors import (
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    NotFound,
    SameWallet,
    WalletNotActive,
)
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.ledger.verify import verify_ledger
from services.money import MAX_MINOR, format_amount
from services.system_accounts import system_account_id
from tests.integration.books import open_books, partner_counts, stored_balances


async def test_a_transfer_books_two_opposite_entries_on_the_wallet_accounts(database_url):
    books = await open_books(["CNY", "CNY"], fund="50.00")
    txn = await post_transfer(principal=books.principal, from_wallet_id=books.wallet_ids[0],
                              to_wallet_id=books.wallet_ids[1], amount="12.34", idempotency_key="t1", memo=" lunch ")
    assert (txn.kind.value, txn.currency, txn.amount_minor, txn.memo) == ("TRANSFER", "CNY", 1234, "lunch")
    accounts = [(await Wallet.get(id=w)).account_id for w in books.wallet_ids]  # type: ignore[attr-defined]
    entries = await Entry.filter(transaction_id=txn.id).order_by("amount_minor")
    assert [(e.account_id, e.amount_minor, e.currency) for e in entries] == [  # type: ignore[attr-defined]
        (accounts[0], -1234, "CNY"), (accounts[1], 1234, "CNY"),
    ]
    assert await stored_balances(books) == [3766, 6234]


async def test_top_ups_and_withdrawals_take_the_other_side_from_the_settlement_account(database_url):
    books = await open_books(["KWD"])
    settlement = await system_account_id(AccountKind.SETTLEMENT, "KWD", create=False)
    top_up = await post_top_up(principal=books.principal, wallet_id=books.wallet_ids[0], amount="1.234", idempotency_key="in")
    withdrawal = await post_withdrawal(principal=books.principal, wallet_id=books.wallet_ids[0], amount="0.2", idempotency_key="out")
    legs = {
        txn.kind.value: sorted((e.account_id == settlement, e.amount_minor) for e in await Entry.filter(transaction_id=txn.id))  # type: ignore[attr-defined]
        for txn in (top_up, withdrawal)
    }
    assert legs == {"TOP_UP": [(False, 1234), (True, -1234)], "WITHDRAWAL": [(False, -200), (True, 200)]}
    assert await stored_balances(books) == [1034]


async def refused(books, call, error, **kwargs):
    """Make the call, expect the refusal, and check that it changed nothing."""
    before = (await stored_balances(books), await partner_counts(books))
    with pytest.raises(error):
        await call(principal=books.principal, **kwargs)
    assert (await stored_balances(books), await partner_counts(books)) == before


async def test_each_bad_request_is_refused_with_its_error_and_changes_nothing(database_url):
    books = await open_books(["CNY", "CNY", "JPY"], fund="10")
    cny, cny2, jpy = books.wallet_ids
    await refused(books, post_transfer, InsufficientFunds, from_wallet_id=cny, to_wallet_id=cny2, amount="10.01", idempotency_key="a")
    await refused(books, post_withdrawal, InsufficientFunds, wallet_id=jpy, amount="11", idempotency_key="b")
    await refused(books, post_transfer, SameWallet, from_wallet_id=cny, to_wallet_id=cny, amount="1", idempotency_key="c")
    await refused(books, post_transfer, CurrencyMismatch, from_wallet_id=cny, to_wallet_id=jpy, amount="1", idempotency_key="d")
    await refused(books, post_top_up, CurrencyMismatch, wallet_id=cny, amount="1", idempotency_key="e", currency="USD")
    await refused(books, post_top_up, InvalidAmount, wallet_id=jpy, amount="1.5", idempotency_key="f")
    await refused(books, post_top_up, InvalidAmount, wallet_id=cny, amount="0", idempotency_key="g")
    await refused(books, post_top_up, InvalidAmount, wallet_id=cny, amount="-5", idempotency_key="h")
    await refused(books, post_top_up, NotFound, wallet_id=uuid.uuid4(), amount="1", idempotency_key="i")
    await refused(books, post_transfer, NotFound, from_wallet_id=cny, to_wallet_id=None, amount="1", idempotency_key="j")
    assert (await verify_ledger()).ok


async def test_another_partners_wallet_answers_not_found(database_url):
    mine = await open_books(["CNY"], fund="10.00")
    theirs = await open_books(["CNY"], fund="10.00")
    await refused(mine, post_transfer, NotFound, from_wallet_id=mine.wallet_ids[0], to_wallet_id=theirs.wallet_ids[0],
                  amount="1", idempotency_key="steal-1")
    await refused(mine, post_withdrawal, NotFound, wallet_id=theirs.wallet_ids[0], amount="1", idempotency_key="steal-2")
    await refused(mine, post_top_up, NotFound, wallet_id=theirs.wallet_ids[0], amount="1", idempotency_key="steal-3")
    assert await stored_balances(theirs) == [1000]


@pytest.mark.parametrize("status", [WalletStatus.FROZEN, WalletStatus.CLOSED])
async def test_a_wallet_that_is_not_active_neither_sends_nor_receives(database_url, status):
    books = await open_books(["CNY", "CNY"], fund="10.00")
    blocked, active = books.wallet_ids
    await Wallet.filter(id=blocked).update(status=status)
    await refused(books, post_transfer, WalletNotActive, from_wallet_id=blocked, to_wallet_id=active, amount="1", idempotency_key="a")
    await refused(books, post_transfer, WalletNotActive, from_wallet_id=active, to_wallet_id=blocked, amount="1", idempotency_key="b")
    await refused(books, post_top_up, WalletNotActive, wallet_id=blocked, amount="1", idempotency_key="c")
    await refused(books, post_withdrawal, WalletNotActive, wallet_id=blocked, amount="1", idempotency_key="d")


async def test_a_refused_request_does_not_use_up_its_key(database_url):
    books = await open_books(["CNY"])
    await refused(books, post_withdrawal, InsufficientFunds, wallet_id=books.wallet_ids[0], amount="5", idempotency_key="k")
    await post_top_up(principal=books.principal, wallet_id=books.wallet_ids[0], amount="5", idempotency_key="k")
    assert await stored_balances(books) == [500]


async def test_the_same_key_replays_for_the_same_input_and_conflicts_for_another(database_url):
    books = await open_books(["CNY"])
    wallet = books.wallet_ids[0]
    original = await post_top_up(principal=books.principal, wallet_id=wallet, amount="5.5", idempotency_key="k")
    replay = await post_top_up(principal=books.principal, wallet_id=wallet, amount="05.50", idempotency_key="k")
    assert replay.id == original.id
    await refused(books, post_top_up, IdempotencyConflict, wallet_id=wallet, amount="5.51", idempotency_key="k")
    await refused(books, post_withdrawal, IdempotencyConflict, wallet_id=wallet, amount="5.5", idempotency_key="k")
    assert await stored_balances(books) == [550]


async def test_idempotency_keys_are_per_partner(database_url):
    first, second = await open_books(["CNY"]), await open_books(["CNY"])
    a = await post_top_up(principal=first.principal, wallet_id=first.wallet_ids[0], amount="1", idempotency_key="shared")
    b = await post_top_up(principal=second.principal, wallet_id=second.wallet_ids[0], amount="2", idempotency_key="shared")
    assert a.id != b.id
    assert (await stored_balances(first), await stored_balances(second)) == ([100], [200])


async def test_a_balance_can_reach_the_bigint_limit_but_not_pass_it(database_url):
    # ISK (no decimals), a currency no other test uses: its settlement account takes the other side.
    books = await open_books(["ISK"])
    wallet = books.wallet_ids[0]
    await post_top_up(principal=books.principal, wallet_id=wallet, amount=format_amount(MAX_MINOR - 1, "ISK"), idempotency_key="a")
    await refused(books, post_top_up, InvalidAmount, wallet_id=wallet, amount="2", idempotency_key="b")
    await post_top_up(principal=books.principal, wallet_id=wallet, amount="1", idempotency_key="c")
    assert await stored_balances(books) == [MAX_MINOR]
    assert (await verify_ledger()).ok
