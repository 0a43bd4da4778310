"""services.ledger.records: stored transactions and entries as the plain records services hand out."""

from __future__ import annotations

from models import Entry, Transaction
from models.enums import AccountKind, TransactionKind, TransactionStatus
from services.ledger.posting import post_top_up, post_transfer
from services.ledger.records import EntryRecord, TransactionRecord
from services.outcome import AuditTarget
from tests.integration.aml_support import held_transfer
from tests.integration.service_support import holder, new_partner


async def test_a_stored_transaction_reads_back_as_the_record_the_engine_returned(database_url):
    partner = await new_partner("records")
    a, b = await holder(partner), await holder(partner)
    await post_top_up(principal=partner, wallet_id=a.wallet_id, amount="10.00", idempotency_key="r-in")
    returned = await post_transfer(principal=partner, from_wallet_id=a.wallet_id, to_wallet_id=b.wallet_id,
                                   amount="2.50", idempotency_key="r-1", memo="tea")
    record = TransactionRecord.from_row(await Transaction.get(id=returned.id))
    same = ("id", "partner_id", "kind", "status", "currency", "amount_minor", "fee_minor", "from_wallet_id",
            "to_wallet_id", "memo", "idempotency_key", "hold_minor", "held_legs", "limit_day_key")
    assert {k: getattr(record, k) for k in same} == {k: getattr(returned, k) for k in same}
    assert (record.kind, record.status, record.audited) == (TransactionKind.TRANSFER, TransactionStatus.POSTED, False)
    assert TransactionRecord.from_row(await Transaction.get(id=returned.id), audited=True).audited
    assert record.audit_target() == AuditTarget("Transaction", str(returned.id), partner.partner_id)


async def test_a_held_transaction_keeps_its_hold_and_legs(database_url):
    _, _, _, txn, _ = await held_transfer()
    record = TransactionRecord.from_row(await Transaction.get(id=txn.id))
    assert (record.status, record.hold_minor) == (TransactionStatus.HELD, 1_000_150)
    assert record.held_legs is not None and sum(amount for _, amount in record.held_legs) == 0


async def test_entries_name_their_accounts_kind(database_url):
    partner = await new_partner("records")
    a = await holder(partner)
    txn = await post_top_up(principal=partner, wallet_id=a.wallet_id, amount="3.00", idempotency_key="r-in")
    rows = await Entry.filter(transaction_id=txn.id).select_related("account").order_by("amount_minor")
    records = [EntryRecord.from_row(row) for row in rows]
    assert [(r.transaction_id, r.amount_minor, r.currency, r.account_kind) for r in records] == [
        (txn.id, -300, "CNY", AccountKind.SETTLEMENT), (txn.id, 300, "CNY", AccountKind.WALLET)]
    assert records[1].account_id == a.account_id and records[0].id != records[1].id
