"""services.ledger.queries: transactions and entries read back through the partner scope, as records."""

from __future__ import annotations

import uuid

import pytest

from models.enums import AccountKind
from services.errors import NotFound
from services.ledger.posting import post_top_up, post_transfer
from services.ledger.queries import (
    entries_by_transaction, get_transaction, list_transactions, transaction_pages_by_wallet, transactions_by_ids,
)
from services.ledger.records import EntryRecord, TransactionRecord
from tests.integration.service_support import holder, new_partner


async def scene():
    """A partner whose two wallets saw a top-up and two transfers; another partner with one top-up."""
    partner, other = await new_partner("queries"), await new_partner("queries")
    a, b = await holder(partner), await holder(partner)
    theirs = await holder(other)
    top_up = await post_top_up(principal=partner, wallet_id=a.wallet_id, amount="50.00", idempotency_key="q-in")
    t1 = await post_transfer(principal=partner, from_wallet_id=a.wallet_id, to_wallet_id=b.wallet_id, amount="1.00",
                             idempotency_key="q-1")
    t2 = await post_transfer(principal=partner, from_wallet_id=a.wallet_id, to_wallet_id=b.wallet_id, amount="2.00",
                             idempotency_key="q-2")
    foreign = await post_top_up(principal=other, wallet_id=theirs.wallet_id, amount="9.00", idempotency_key="q-in")
    return partner, other, a, b, theirs, [top_up, t1, t2], foreign


async def test_one_transaction_of_the_partner_or_not_found(database_url):
    partner, other, *_, (top_up, _, _), foreign = await scene()
    found = await get_transaction(principal=partner, transaction_id=top_up.id)
    assert isinstance(found, TransactionRecord)
    assert (found.id, found.amount_minor, found.kind.value, found.partner_id) == (top_up.id, 5_000, "TOP_UP", partner.partner_id)
    for missing in (foreign.id, uuid.uuid4(), None):
        with pytest.raises(NotFound):
            await get_transaction(principal=partner, transaction_id=missing)


async def test_the_partners_transactions_newest_first_page_by_page(database_url):
    partner, *_, (top_up, t1, t2), foreign = await scene()
    newest_first = sorted([top_up.id, t1.id, t2.id], reverse=True)  # UUIDv7: by creation time
    first = await list_transactions(principal=partner, first=2, after=None)
    assert [t.id for t in first.items] == newest_first[:2] and first.has_next_page
    rest = await list_transactions(principal=partner, first=2, after=first.cursors[-1])
    assert [t.id for t in rest.items] == newest_first[2:] and not rest.has_next_page and rest.has_previous_page


async def test_one_wallets_transactions_and_an_unknown_wallet(database_url):
    partner, _, a, b, theirs, (top_up, t1, t2), _ = await scene()
    transfers = sorted([t1.id, t2.id], reverse=True)
    assert [t.id for t in (await list_transactions(principal=partner, first=10, after=None, wallet_id=b.wallet_id)).items] == transfers
    page = await list_transactions(principal=partner, first=1, after=None, wallet_id=a.wallet_id)
    assert [t.id for t in page.items] == [max(top_up.id, *transfers)] and page.has_next_page
    for wallet in (theirs.wallet_id, uuid.uuid4()):
        with pytest.raises(NotFound) as caught:
            await list_transactions(principal=partner, first=10, after=None, wallet_id=wallet)
        assert caught.value.field == ["walletId"]


async def test_pages_of_several_wallets_at_once(database_url):
    partner, _, a, b, theirs, (top_up, t1, t2), foreign = await scene()
    pages = await transaction_pages_by_wallet(principal=partner, wallet_ids=[a.wallet_id, b.wallet_id, theirs.wallet_id],
                                              first=2, after=None)
    newest_of_a = sorted([top_up.id, t1.id, t2.id], reverse=True)
    assert [t.id for t in pages[a.wallet_id].items] == newest_of_a[:2] and pages[a.wallet_id].has_next_page
    assert [t.id for t in pages[b.wallet_id].items] == sorted([t1.id, t2.id], reverse=True)
    assert not pages[b.wallet_id].has_next_page
    assert pages[theirs.wallet_id].items == []  # another partner's wallet: nothing


async def test_entries_and_transactions_by_ids_stay_in_scope(database_url):
    partner, _, a, b, _, (top_up, t1, t2), foreign = await scene()
    entries = await entries_by_transaction(principal=partner, transaction_ids=[t1.id, top_up.id, foreign.id])
    assert set(entries) == {t1.id, top_up.id, foreign.id} and entries[foreign.id] == []
    assert all(isinstance(e, EntryRecord) for e in entries[t1.id])
    assert sorted((e.account_id, e.amount_minor, e.account_kind) for e in entries[t1.id]) == sorted(
        [(a.account_id, -100, AccountKind.WALLET), (b.account_id, 100, AccountKind.WALLET)])
    assert sorted((e.amount_minor, e.account_kind) for e in entries[top_up.id]) == [
        (-5_000, AccountKind.SETTLEMENT), (5_000, AccountKind.WALLET)]
    found = await transactions_by_ids(principal=partner, transaction_ids=[t1.id, t2.id, foreign.id])
    assert set(found) == {t1.id, t2.id}
