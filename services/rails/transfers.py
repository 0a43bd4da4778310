"""Starting a rail top-up or withdrawal: one HELD posting of the one posting engine, and the rail transfer row with it.

A withdrawal's funds are reserved at once (availableBalance drops, balance
does not) and counted against the customer's limits, exactly as an AML hold
reserves them; a top-up's legs wait with nothing reserved. Fees come from
the fee engine as for an instant top-up or withdrawal (quote them first with
feeQuote). The transfer row is written in the posting's own atomic write, so
there is never a held posting without its transfer nor the other way round.
The rail is asked after the commit (services.rails.submission): a slow rail
holds no database lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from auth.principal import Principal
from models.enums import TransactionKind
from models.ids import uuid7
from services import clock
from services.audit import AuditNote
from services.db.wallet_rows import WalletFacts, wallet_facts
from services.errors import NotFound, ValidationFailed
from services.ledger.engine import post
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest
from services.ledger.side_writes import TRANSACTION_ID, RowInsert
from services.money import parse_amount
from services.rails.interface import IN, OUT
from services.rails.registry import DEFAULT_RAIL
from services.rails.sources import FundingSource, usable_source

SOURCE_KINDS = ("BANK_ACCOUNT", "CARD")


@dataclass(frozen=True)
class RailRequest:
    """A top-up from (IN) or a withdrawal to (OUT) one of the wallet's customer's linked funding sources."""

    direction: str
    wallet_id: uuid.UUID | None
    source_kind: str
    source_id: uuid.UUID | None
    amount: str
    idempotency_key: str
    dry_run: bool = False
    currency: str | None = None  # the caller's expected currency: the engine refuses CURRENCY_MISMATCH


def _transfer_row(transfer_id: uuid.UUID, principal: Principal, req: RailRequest, source: FundingSource,
                  amount_minor: int, currency: str) -> RowInsert:
    """The rail_transfer row, written with the held posting (SUBMITTING: the rail jobs hand it to the rail)."""
    now = clock.now()
    return RowInsert(table="rail_transfer", columns=(
        ("id", transfer_id, None), ("partner_id", principal.partner_id, None), ("wallet_id", req.wallet_id, None),
        ("direction", req.direction, None), ("rail", DEFAULT_RAIL, None), ("source_kind", source.kind, None),
        ("source_id", source.id, None), ("amount_minor", amount_minor, None), ("currency", currency, None),
        ("transaction_id", TRANSACTION_ID, None), ("status", "SUBMITTING", None), ("created_at", now, None),
        ("updated_at", now, None),
    ))


async def start_rail_transfer(*, principal: Principal, req: RailRequest, audit: AuditNote | None = None) -> TransactionRecord:
    """Check the funding source, then post the HELD transaction with its transfer row (or replay the original)."""
    if req.source_kind not in SOURCE_KINDS:
        raise ValidationFailed("give a bankAccountId or a cardId", field=["bankAccountId"])
    if req.direction == OUT and req.source_kind != "BANK_ACCOUNT":
        raise ValidationFailed("withdrawals go to a linked bank account, not a card", field=["cardId"])
    facts = await _wallet(principal, req)
    source = await usable_source(principal, req.source_kind, req.source_id, customer_id=facts.customer_id,
                                 currency=facts.currency)
    return await post_rail_transfer(principal=principal, req=req, source=source, audit=audit)


async def _wallet(principal: Principal, req: RailRequest) -> WalletFacts:
    """The named wallet's facts, if it is the caller's (NOT_FOUND otherwise)."""
    facts = (await wallet_facts(principal.partner_id, [req.wallet_id])).get(req.wallet_id) if req.wallet_id else None
    if facts is None:
        raise NotFound("wallet not found", field=["walletId"])
    return facts


async def post_rail_transfer(*, principal: Principal, req: RailRequest, source: FundingSource,
                             audit: AuditNote | None = None) -> TransactionRecord:
    """Post the HELD transaction of a rail transfer from or to a source already checked usable for the wallet."""
    if req.direction not in (IN, OUT):
        raise AssertionError("a rail transfer is IN or OUT")
    facts = await _wallet(principal, req)
    if source.customer_id != facts.customer_id:
        raise AssertionError("a funding source is checked against the wallet's customer before it is posted")
    amount_minor = parse_amount(req.amount, facts.currency)
    top_up = req.direction == IN
    return await post(principal, PostingRequest(
        operation="walletTopUp" if top_up else "withdrawalCreate",
        kind=TransactionKind.TOP_UP if top_up else TransactionKind.WITHDRAWAL, idempotency_key=req.idempotency_key,
        amount_text=req.amount, from_wallet_id=None if top_up else req.wallet_id,
        to_wallet_id=req.wallet_id if top_up else None, from_field="walletId", to_field="walletId",
        # The caller's currency when given: the engine's own check refuses one that is not the wallet's.
        currency=req.currency or facts.currency, requires_to=top_up, requires_from=not top_up, dry_run=req.dry_run,
        pending_on_rail=True, funding_route=source.kind, subject=f"{source.kind}:{source.id}",
        inserts=(_transfer_row(uuid7(), principal, req, source, amount_minor, facts.currency),),
    ), audit)
