"""Group commit: consecutive postings that share no customer, written in one PostgreSQL transaction (issue 18 part 4).

Each posting is still exactly the one engine's statement (services.ledger.postgres), planned as a single posting is;
what changes is how the statements reach PostgreSQL: down one connection, in one transaction, pipelined (asyncpg's
fetchmany: one round trip for a run of statements of the same text). A group of n postings pays for one commit and a
few round trips instead of n of each.

Why every guarantee of a posting holds:
- Order. The statements run in the caller's order in one transaction, each on the rows the ones before it wrote, so
  funds, maximum balances, limits and VELOCITY, all decided on the locked rows, decide as one posting after another.
- Planning. What Python decides before the lock (AML rules over the wallet's history, fees, standing) reads
  committed state. A posting that shares a customer with one already in the group would plan on what that one is
  about to change, so it closes the group: the group is written first, and the posting starts the next one.
- Atomic per posting. A refusal writes nothing (each statement decides on its own rows). Any error rolls the whole
  group back and its postings run one by one through the engine, as if there had been no group: a key claimed
  meanwhile (the unique index), a deadlock, a lock timeout, and a refusal that needs what the one-by-one path does
  (VELOCITY's alert statement, planning again after a standing changed).
- No deadlock of its own. Before the statements, the group locks every sender's limit-usage row, then every wallet
  account (and its wallet) in account-id order: the order in which a single posting takes its one usage row and
  its accounts. Two groups, or a group and a posting, can then only wait for each other in one direction.
- Replays. A posting whose key is already stored runs alone through the engine, which replays it.
"""

from __future__ import annotations

import collections
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import IdempotencyRecord
from models.enums import TransactionKind
from services.audit import AuditNote
from services.compliance.posting_checks import StaleStanding
from services.db.wallet_rows import wallet_facts
from services.errors import DomainError, Forbidden
from services.ledger.engine import after_written, answer_refusal, backend_name, post, post_planned
from services.ledger.plan import PostingPlan
from services.ledger.planning import plan_posting
from services.ledger.postgres import VelocityFires, name_the_refusal, passed_record, posting_statement
from services.ledger.records import TransactionRecord
from services.ledger.request import CheckedRequest, PostingRequest, check_request
from services.metrics import count_group
from services.scoping import of_tenant

Outcome = TransactionRecord | DomainError
# A posting the group cannot take (a dry run, a conversion at a quote...): the caller's own call, run alone in order.
Alone = Callable[[], Awaitable[TransactionRecord]]

_LOCK_USAGE = (
    "SELECT 1 FROM limit_usage u JOIN unnest($1::uuid[], $2::text[]) AS k(customer_id, currency)"
    " ON u.customer_id = k.customer_id AND u.currency = k.currency ORDER BY u.customer_id, u.currency FOR UPDATE OF u"
)
_LOCK_ACCOUNTS = (
    "SELECT 1 FROM account a JOIN wallet w ON w.account_id = a.id WHERE a.id = ANY($1::bigint[])"
    " ORDER BY a.id FOR UPDATE OF a, w"
)


class _OneByOne(Exception):
    """The group cannot be answered as a whole: roll it back and run its postings one by one."""


@dataclass(frozen=True)
class _Planned:
    index: int
    checked: CheckedRequest
    plan: PostingPlan


def groupable(req: PostingRequest) -> bool:
    """Whether a request can join a group: a plain transfer (no claimed rows, no quote, no extra rows, not a dry run)."""
    return (req.kind is TransactionKind.TRANSFER and not req.dry_run and not req.claims and not req.inserts
            and req.fx is None and req.clearing_account_id is None and req.release_held_minor == 0)


async def post_in_order(principal: Principal, items: Sequence[PostingRequest | Alone],
                        audit: AuditNote | None) -> list[Outcome]:
    """Post each item in order, each with its own result or refusal; consecutive plain transfers share commits."""
    outcomes: list[Outcome | None] = [None] * len(items)
    grouping = backend_name() == "postgres" and principal.partner_id is not None
    checked: dict[int, CheckedRequest] = {}
    if grouping:
        for index, item in enumerate(items):
            if isinstance(item, PostingRequest) and groupable(item):
                try:
                    checked[index] = check_request(principal, item)
                except DomainError:
                    pass  # refused without the database: it runs alone and the engine names the refusal
        stored = await _stored_keys(principal.partner_id, [c.key for c in checked.values()])
        checked = {i: c for i, c in checked.items() if c.key not in stored}
    group: list[_Planned] = []
    customers: set[uuid.UUID] = set()
    for index, item in enumerate(items):
        if index not in checked:
            await _write(principal, group, audit, outcomes)
            group, customers = [], set()
            outcomes[index] = await captured(item() if callable(item) else post(principal, item, audit))
            continue
        req = checked[index].req
        facts = await wallet_facts(principal.partner_id, req.wallet_ids)
        mine = {f.customer_id for f in facts.values()}
        if mine & customers:  # its plan must see what the group writes for this customer: write the group first
            await _write(principal, group, audit, outcomes)
            group, customers = [], set()
        try:
            plan = await plan_posting(principal, checked[index])
        except DomainError:
            # Refused before any lock: alone, through the engine, which names the refusal (or replays the key).
            await _write(principal, group, audit, outcomes)
            group, customers = [], set()
            outcomes[index] = await captured(post(principal, req, audit))
            continue
        group.append(_Planned(index, checked[index], plan))
        customers |= mine
    await _write(principal, group, audit, outcomes)
    assert all(o is not None for o in outcomes)
    return outcomes  # type: ignore[return-value]


async def captured(call: Awaitable[TransactionRecord]) -> Outcome:
    """The call's transaction, or its refusal as a value (Forbidden is not a refusal: it propagates)."""
    try:
        return await call
    except Forbidden:
        raise
    except DomainError as refusal:
        return refusal


async def _stored_keys(partner_id: Any, keys: list[str]) -> set[str]:
    """Those of the keys this partner has already used: their postings replay, alone."""
    if not keys:
        return set()
    return set(await of_tenant(IdempotencyRecord, partner_id).filter(key__in=keys).values_list("key", flat=True))


async def _write(principal: Principal, group: list[_Planned], audit: AuditNote | None, outcomes: list[Outcome | None]) -> None:
    """Write a group in one transaction, or, if it cannot be answered as a whole, each posting alone."""
    if not group:
        return
    if len(group) == 1:  # a group of one is the engine's single posting
        only = group[0]
        outcomes[only.index] = await captured(post_planned(principal, only.checked, only.plan, audit))
        return
    try:
        decided = await _in_one_transaction(principal, group, audit)
    except (_OneByOne, asyncpg.PostgresError, IntegrityError, OperationalError) as reason:
        # Rolled back: nothing of the group was written. Each posting runs as it would have without the group.
        count_group("one_by_one", str(reason) if isinstance(reason, _OneByOne) else type(reason).__name__)
        for planned in group:
            outcomes[planned.index] = await captured(post_planned(principal, planned.checked, planned.plan, audit))
        return
    count_group("written")
    for planned, answer in zip(group, decided):
        if isinstance(answer, TransactionRecord):
            await after_written(planned.plan, answer)
            outcomes[planned.index] = answer
        else:  # the same answer as a refused single posting: a replay if its key was used meanwhile, else the refusal
            outcomes[planned.index] = await captured(answer_refusal(principal, planned.checked, answer))


async def _in_one_transaction(principal: Principal, group: list[_Planned], audit: AuditNote | None) -> list[Outcome]:
    """Lock, run every statement (pipelined by text), decide each posting; commit, or raise and roll back."""
    statements = [posting_statement(principal, p.checked, p.plan, audit, velocity_alert=False) for p in group]
    usage = [(p.plan.compliance.sender_customer_id, p.plan.currency) for p in group if p.plan.compliance.outgoing]
    accounts = sorted({a for p in group for a in p.plan.deltas})
    rows_of: dict[Any, list[dict[str, Any]]] = collections.defaultdict(list)
    async with in_transaction("default") as conn:
        raw: asyncpg.Connection = conn._connection  # type: ignore[attr-defined]
        # Usage rows before accounts, accounts in id order: a single posting's order (see the module's docstring).
        if usage:
            await raw.execute(_LOCK_USAGE, [c for c, _ in usage], [cur for _, cur in usage])
        await raw.execute(_LOCK_ACCOUNTS, accounts)
        start = 0
        while start < len(statements):
            end = start + 1
            while end < len(statements) and statements[end][0] == statements[start][0]:
                end += 1
            rows = await raw.fetchmany(statements[start][0], [values for _, values in statements[start:end]])
            for row in rows:
                rows_of[row["posting_id"]].append(dict(row))
            start = end
        decided: list[Outcome] = []
        for planned in group:
            rows = rows_of.get(planned.checked.transaction_id, [])
            if rows and rows[0]["passes"]:
                decided.append(passed_record(principal, planned.checked, planned.plan, audit, rows[0]))
                continue
            try:
                name_the_refusal(rows, planned.plan, planned.checked.req)
            except (VelocityFires, StaleStanding) as reason:
                raise _OneByOne(type(reason).__name__) from None
            except DomainError as refusal:
                decided.append(refusal)
    return decided
