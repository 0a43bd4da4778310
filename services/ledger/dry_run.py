"""A posting's dry run: every check on the rows as they are now, and the transaction it would post; nothing written.

The plan is the real one (fees, limits, tiers, freeze, screening, the
claimed row's state), and the checks that the backends run on locked rows
run here on the same rows read without a lock: balance and available
balance, wallet status, standing, the sender's period totals, the receiver's
maximum balance. Nothing is written or created: no idempotency key is
claimed, no usage counted, no alert raised, no event or audit row written,
not even a bank account or usage row a first posting would create. A dry run
answers for the moment it ran: a real posting a moment later may still be
refused (the balance or a limit may have moved in between).
"""

from __future__ import annotations

from tortoise import connections

from auth.principal import Principal
from models.enums import TransactionStatus
from services import clock
from services.compliance.posting_checks import check_locked
from services.db.sql import as_uuid, fetch
from services.ledger.plan import PostingPlan, standing_accounts
from services.ledger.planning import plan_posting
from services.ledger.records import TransactionRecord
from services.ledger.request import CheckedRequest, PostingRequest
from services.ledger.rules import check_wallets_can_move, locked_or_missing
from services.ledger.side_writes import claim_holds


async def _current_rows(plan: PostingPlan, req: PostingRequest) -> list[dict]:
    """The wallet accounts the posting would lock, as they are now (no lock), with their customers' standing (and a
    DEFERRED merchant's settlement wallet, which the posting checks without locking: services.ledger.postgres)."""
    accounts = standing_accounts(plan, req)
    placeholders = ", ".join(f"${i + 1}" for i in range(len(accounts)))
    return await fetch(
        connections.get("default"),
        "SELECT a.id AS account_id, a.balance_minor, a.held_minor, w.id AS wallet_id, w.status,"
        " cu.kyc_tier, cu.screening_status FROM account a JOIN wallet w ON w.account_id = a.id"
        f" JOIN customer cu ON cu.id = w.customer_id WHERE a.id IN ({placeholders})",
        accounts,
    )


async def _usage_now(plan: PostingPlan) -> dict | None:
    """The sender's limit usage row as it is now (None: nothing used yet, or no customer sends)."""
    check = plan.compliance
    if check.outgoing is None:
        return None
    rows = await fetch(connections.get("default"), "SELECT * FROM limit_usage WHERE customer_id = $1 AND currency = $2",
                       [check.sender_customer_id, plan.currency])
    return rows[0] if rows else None


async def dry_run_posting(principal: Principal, checked: CheckedRequest) -> TransactionRecord:
    """The transaction this request would post (or hold) now, or the refusal it would get; nothing is written."""
    req = checked.req
    plan = await plan_posting(principal, checked)
    for claim in req.claims:  # in the order given: the first that fails names the refusal, as a posting would
        if not await claim_holds(connections.get("default"), claim):
            raise claim.refusal()
    rows = await _current_rows(plan, req)
    locked = {
        as_uuid(row["wallet_id"]): plan.facts[as_uuid(row["wallet_id"])].as_locked(
            as_uuid(row["wallet_id"]), row["status"], int(row["balance_minor"]), int(row["held_minor"]))
        for row in rows
    }
    source = locked_or_missing(locked, req.from_wallet_id, req.from_field)
    target = locked_or_missing(locked, req.to_wallet_id, req.to_field)
    check_wallets_can_move(source, target, req, plan.deltas)
    check_locked(plan.compliance, rows, await _usage_now(plan), plan.deltas, plan.amount_minor, plan.receiving_currency,
                 plan.fields)
    held = plan.compliance.hold  # VELOCITY is decided on the locked usage row: a dry run cannot count it
    return TransactionRecord(
        id=checked.transaction_id, partner_id=principal.partner_id, kind=req.kind,
        status=TransactionStatus.HELD if held else TransactionStatus.POSTED, currency=plan.currency,
        amount_minor=plan.amount_minor, fee_minor=plan.fee.fee_minor, fee_breakdown=plan.breakdown,
        from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id, memo=checked.memo,
        idempotency_key=checked.transaction_key, created_at=clock.now(), hold_minor=plan.hold_minor if held else 0,
        buy_amount_minor=plan.buy_amount_minor, buy_currency=plan.buy_currency, dry_run=True,
    )
