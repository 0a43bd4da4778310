"""Ledger transactions and entries as services hand them out: plain values, not ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from models import Entry, Transaction
from models.enums import AccountKind, TransactionKind, TransactionStatus
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class TransactionRecord(ServiceResult):
    """One ledger transaction (posted, held, rejected...) with the same fields as its stored row."""

    audit_type: ClassVar[str] = "Transaction"

    id: uuid.UUID
    partner_id: uuid.UUID | None
    kind: TransactionKind
    status: TransactionStatus
    currency: str
    amount_minor: int
    fee_minor: int
    fee_breakdown: dict[str, Any] | None
    from_wallet_id: uuid.UUID | None
    to_wallet_id: uuid.UUID | None
    memo: str | None
    idempotency_key: str
    created_at: datetime
    hold_minor: int = 0
    held_legs: list[list[int]] | None = None
    limit_day_key: str | None = None
    # An FX_CONVERSION's buy side (amount_minor/currency are what was sold); None for every other kind.
    buy_amount_minor: int | None = None
    buy_currency: str | None = None
    dry_run: bool = False  # what a dry run would post: nothing was written (services.ledger.dry_run)
    replayed: bool = False  # the original answer of an idempotency key already used (nothing new was written)

    @classmethod
    def from_row(cls, row: Transaction, *, audited: bool = False) -> TransactionRecord:
        """The record of a stored transaction row."""
        return cls(
            id=row.id, partner_id=row.partner_id, kind=TransactionKind(row.kind),  # type: ignore[attr-defined]
            status=TransactionStatus(row.status), currency=row.currency, amount_minor=row.amount_minor,
            fee_minor=row.fee_minor, fee_breakdown=row.fee_breakdown, from_wallet_id=row.from_wallet_id,  # type: ignore[attr-defined]
            to_wallet_id=row.to_wallet_id, memo=row.memo, idempotency_key=row.idempotency_key,  # type: ignore[attr-defined]
            created_at=row.created_at, hold_minor=row.hold_minor, held_legs=row.held_legs,
            limit_day_key=row.limit_day_key, buy_amount_minor=row.buy_amount_minor, buy_currency=row.buy_currency,
            audited=audited,
        )


@dataclass(frozen=True)
class EntryRecord:
    """One leg of a transaction on one ledger account (signed: negative debits, positive credits)."""

    id: int
    transaction_id: uuid.UUID
    account_id: int
    account_kind: AccountKind
    amount_minor: int
    currency: str

    @classmethod
    def from_row(cls, row: Entry) -> EntryRecord:
        """The record of a stored entry row (its account must be loaded)."""
        return cls(
            id=row.id, transaction_id=row.transaction_id, account_id=row.account_id,  # type: ignore[attr-defined]
            account_kind=AccountKind(row.account.kind), amount_minor=row.amount_minor, currency=row.currency,
        )
