"""The posting engine: every money movement is one `PostingRequest`, planned, then written by one backend.

A posting checks its inputs (services.ledger.request), plans everything that
needs no lock (services.ledger.planning → the pure services.ledger.plan),
then hands the plan to the backend of the database in use
(services.ledger.postgres: one statement; services.ledger.sqlite: one
transaction), which claims the idempotency key, locks the wallet accounts in
account-id order (no deadlocks), re-checks them and writes balances,
transaction, entries, limit usage, alerts, events and the audit row in one
commit. A refusal writes nothing and does not consume the key; a concurrent
duplicate waits on the key's unique index and then replays the original.
"""

from __future__ import annotations

import collections
from dataclasses import replace

from tortoise import connections
from tortoise.exceptions import IntegrityError

from auth.principal import Principal
from models import IdempotencyRecord, Transaction
from models.enums import TransactionKind
from services.aml.activity import note_activity
from services.audit import AuditNote
from services.compliance.posting_checks import StaleStanding
from services.db.sql import is_postgres
from services.errors import ComplianceHold, DomainError, IdempotencyConflict, WalletNotActive
from services.ledger.dry_run import dry_run_posting
from services.ledger.plan import PostingPlan
from services.ledger.planning import plan_posting
from services.ledger.postgres import post_on_postgres
from services.ledger.records import TransactionRecord
from services.ledger.request import CheckedRequest, PostingRequest, check_request
from services.ledger.sqlite import post_on_sqlite
from services.live.after_commit import announce_committed
from services.metrics import count_posting  # issue 17 part 5
from services.scoping import of_tenant, token_customer

# Refusals about the receiving customer that a customer token is not told in detail.
_RECEIVER_PRIVATE = frozenset({"LIMIT_EXCEEDED", "KYC_REQUIRED", "COMPLIANCE_HOLD", "WALLET_NOT_ACTIVE"})
_PLAN_ATTEMPTS = 3
# Postings written per backend by this process ('postgres' / 'sqlite'); the test run reports it.
postings_by_backend: collections.Counter[str] = collections.Counter()


def backend_name() -> str:
    """The posting backend the default connection uses: 'postgres' or 'sqlite'."""
    return "postgres" if is_postgres(connections.get("default")) else "sqlite"


async def post(principal: Principal, req: PostingRequest, audit: AuditNote | None) -> TransactionRecord:
    """Post (or hold) one money movement, or replay the original result of its idempotency key."""
    checked = check_request(principal, req)
    try:
        if req.dry_run:  # every check, nothing written (its key is not looked up: a dry run claims nothing)
            return await dry_run_posting(principal, checked)
        return await _plan_and_write(principal, checked, audit)
    except IntegrityError as exc:
        return await _replay(principal, checked, exc)
    except DomainError as refusal:
        return await answer_refusal(principal, checked, refusal)


async def post_planned(principal: Principal, checked: CheckedRequest, plan: PostingPlan,
                       audit: AuditNote | None) -> TransactionRecord:
    """`post` for a request already checked and planned (services.ledger.group_commit): the same write and answers."""
    try:
        return await _plan_and_write(principal, checked, audit, first_plan=plan)
    except IntegrityError as exc:
        return await _replay(principal, checked, exc)
    except DomainError as refusal:
        return await answer_refusal(principal, checked, refusal)


async def answer_refusal(principal: Principal, checked: CheckedRequest, refusal: DomainError) -> TransactionRecord:
    """What a refused posting answers: the original of a key already used (a replay), else the refusal, raised."""
    req = checked.req
    # A refusal of a key that was already used is a replay, not a new
    # decision: the original (or IDEMPOTENCY_CONFLICT) wins over whatever
    # would refuse it now (a limit used up since, a frozen wallet...).
    if not req.dry_run and await of_tenant(IdempotencyRecord, principal.partner_id).filter(key=checked.key).exists():
        return await _replay(principal, checked, None)
    if not req.dry_run:
        count_posting(req.kind, "refused", refusal.code)  # issue 17 part 5: postings by kind and outcome
    # (An FX conversion's receiving wallet is the customer's own: it is told why.)
    if (token_customer(principal) is not None and refusal.field == [req.to_field] and refusal.code in _RECEIVER_PRIVATE
            and req.kind is not TransactionKind.FX_CONVERSION):
        # A customer's frontend learns that the payee cannot take the
        # money, not why: the payee's holds, tier and balance are not its business.
        raise WalletNotActive("the receiving wallet cannot accept this payment", field=[req.to_field]) from None
    raise refusal


async def _plan_and_write(principal: Principal, checked: CheckedRequest, audit: AuditNote | None,
                          first_plan: PostingPlan | None = None) -> TransactionRecord:
    """Plan on cached facts (or take first_plan) and write; plan again if a customer's standing changed in between."""
    write = post_on_postgres if backend_name() == "postgres" else post_on_sqlite
    req = checked.req
    for attempt in range(_PLAN_ATTEMPTS):
        plan = first_plan if attempt == 0 and first_plan is not None else await plan_posting(principal, checked)
        try:
            txn = await write(principal, checked, plan, audit)
        except StaleStanding:
            # A review or hold changed a customer's standing after we planned: plan again on fresh facts.
            if attempt == _PLAN_ATTEMPTS - 1:
                raise ComplianceHold(
                    "the customer's compliance standing is changing right now: retry with the same idempotencyKey",
                    field=[req.from_field if req.from_wallet_id else req.to_field],
                ) from None
            continue
        await after_written(plan, txn)
        return txn
    raise AssertionError("unreachable")


async def after_written(plan: PostingPlan, txn: TransactionRecord) -> None:
    """What follows every written posting: counters, the wallets' last activity, live subscribers told."""
    postings_by_backend[backend_name()] += 1
    count_posting(txn.kind, txn.status.value)
    note_activity(list(plan.facts), txn.created_at)
    # Issue 12 (subscriptions): the write has committed; tell live subscribers which wallets
    # changed (services/live). Outside the transaction, and it never raises; a caller posting inside a
    # transaction of its own has it wait for that commit (services.live.after_commit).
    await announce_committed(txn)


async def _replay(principal: Principal, checked: CheckedRequest, error: IntegrityError | None) -> TransactionRecord:
    """The original result of a key already used by this partner, or IdempotencyConflict."""
    record = await of_tenant(IdempotencyRecord, principal.partner_id).get_or_none(key=checked.key)
    if record is None:
        assert error is not None
        raise error  # not a key collision: let the original IntegrityError surface
    if record.request_hash != checked.fingerprint:
        raise IdempotencyConflict(
            "this idempotencyKey was already used with different input", field=["idempotencyKey"]
        )
    count_posting(checked.req.kind, "replayed")
    return replace(TransactionRecord.from_row(await Transaction.get(id=record.transaction_id)), replayed=True)
