"""Group commit: consecutive postings written together on PostgreSQL, each with its own answer (issue 18 part 4).

Each posting is still exactly the one engine's statement (services.ledger.postgres), planned as a single posting is;
what changes is how the statements reach PostgreSQL: a run of statements of the same text goes down one connection in
one round trip (asyncpg's fetchmany: every Bind/Execute, then one Sync), which PostgreSQL runs as one implicit
transaction: one commit and one round trip for the run instead of one of each per posting.

Why every guarantee of a posting holds:
- Order. The runs are written in the caller's order, and a run's statements run in order in one transaction, so
  postings of one customer decide on the rows (funds, maximum balances, limits, VELOCITY) as the earlier ones left
  them: each decides on its own locked rows, as alone, and a refusal writes nothing.
- Planning. What Python decides before the lock reads committed state. Most of it does not change with postings
  (wallet facts, standing, fee rules); what does is the customer's history (the fee's monthly free allowance, the AML
  rules over a wallet's recent transactions: services.history_reads). A posting whose plan read history, and which
  shares a customer with a posting already in the group, closes the group: the group is written first, then the
  posting is planned again on what it wrote. So a payout batch from one wallet is grouped unless its fee rule counts
  an allowance or its amounts reach the AML history rules.
- Atomic runs. fetchmany is atomic: an error in any statement (a key claimed meanwhile by another request, a lock wait
  timed out, a deadlock) applies none of the run, and its postings then run one by one through the engine. A
  posting that needs what only the one-by-one path does wrote nothing and runs alone right after its run: VELOCITY's
  alert statement (when its customers have no other posting in the run; when they do, their statements write the
  alert themselves), or planning again after a standing changed (which refuses the customer's later postings of
  the run as well, so they follow it in order).
- No deadlock of its own. The run's first statement locks every sender's limit-usage row, then every wallet account
  (and its wallet) of the run in account-id order: the order in which a single posting takes its one usage row and
  its accounts. Runs and postings can then only wait for each other in one direction.
- Replays. A posting whose key is already stored runs alone through the engine, which replays it.
"""

from __future__ import annotations

import collections
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.exceptions import IntegrityError, OperationalError

from auth.principal import Principal
from models import IdempotencyRecord
from models.enums import TransactionKind
from services.audit import AuditNote
from services.compliance.posting_checks import StaleStanding
from services.db.wallet_rows import wallet_facts
from services.errors import DomainError, Forbidden
from services.history_reads import watching_history
from services.ledger.engine import after_written, answer_refusal, backend_name, post, post_planned
from services.ledger.plan import PostingPlan
from services.ledger.planning import plan_posting
from services.ledger.postgres import VelocityFires, name_the_refusal, passed_record, posting_statement
from services.ledger.postgres_parts import GroupLock
from services.ledger.records import TransactionRecord
from services.ledger.request import CheckedRequest, PostingRequest, check_request
from services.metrics import count_group
from services.scoping import of_tenant

Outcome = TransactionRecord | DomainError
# A posting the group cannot take (a dry run, a conversion at a quote...): the caller's own call, run alone in order.
Alone = Callable[[], Awaitable[TransactionRecord]]


@dataclass(frozen=True)
class _Alone:
    """A posting whose statement refused for a reason only the engine's one-by-one path handles."""

    reason: str


@dataclass(frozen=True)
class _Planned:
    index: int
    checked: CheckedRequest
    plan: PostingPlan
    customers: frozenset[uuid.UUID]


def groupable(req: PostingRequest) -> bool:
    """Whether a request can join a group: a plain transfer (no claimed rows, no quote, no extra rows, not a dry run)."""
    return (req.kind is TransactionKind.TRANSFER and not req.dry_run and not req.claims and not req.inserts
            and req.fx is None and req.clearing_account_id is None and req.release_held_minor == 0)


async def post_in_order(principal: Principal, items: Sequence[PostingRequest | Alone],
                        audit: AuditNote | None) -> list[Outcome]:
    """Post each item in order, each with its own result or refusal; consecutive plain transfers share commits."""
    outcomes: list[Outcome | None] = [None] * len(items)
    # Inside a caller's transaction the postings are already one commit: each goes through the engine there.
    grouping = (backend_name() == "postgres" and principal.partner_id is not None
                and not isinstance(connections.get("default"), TransactionalDBClient))
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
        mine = frozenset(f.customer_id for f in facts.values())
        try:
            with watching_history() as reads:
                plan = await plan_posting(principal, checked[index])
            if reads and mine & customers:
                # Its plan read history that the group is about to change for this customer (a fee allowance, AML
                # activity): write the group first, then plan it again on what the group wrote.
                await _write(principal, group, audit, outcomes)
                group, customers = [], set()
                plan = await plan_posting(principal, checked[index])
        except DomainError:
            # Refused before any lock: alone, through the engine, which names the refusal (or replays the key).
            await _write(principal, group, audit, outcomes)
            group, customers = [], set()
            outcomes[index] = await captured(post(principal, req, audit))
            continue
        group.append(_Planned(index, checked[index], plan, mine))
        customers |= mine
    if group:
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
    """Write a group: each run of statements of one text in one round trip, a posting the run cannot answer alone."""
    if len(group) == 1:  # a group of one is the engine's single posting
        only = group[0]
        outcomes[only.index] = await captured(post_planned(principal, only.checked, only.plan, audit))
        return
    # Runs of one statement text, written in the caller's order.
    built = [(planned, _statement(principal, planned, audit, lock=None)) for planned in group]
    start = 0
    while start < len(built):
        end = start + 1
        while end < len(built) and built[end][1][0] == built[start][1][0]:  # the same statement text
            end += 1
        await _write_run(principal, [planned for planned, _ in built[start:end]], audit, outcomes)
        start = end


def _statement(principal: Principal, planned: _Planned, audit: AuditNote | None, lock: GroupLock | None, *,
               velocity_alert: bool = False) -> tuple[str, list[Any]]:
    """A posting's statement as a member of a group: first locking `lock` (empty lists: nothing)."""
    return posting_statement(principal, planned.checked, planned.plan, audit, velocity_alert=velocity_alert,
                             group_lock=lock or ([], [], []))


async def _write_run(principal: Principal, run: list[_Planned], audit: AuditNote | None,
                     outcomes: list[Outcome | None]) -> None:
    """One round trip for a run (asyncpg's fetchmany: every statement, then one Sync: one implicit transaction)."""
    if len(run) == 1:
        only = run[0]
        outcomes[only.index] = await captured(post_planned(principal, only.checked, only.plan, audit))
        return
    # The first statement locks the whole run in a single posting's order (see the module's docstring).
    senders = sorted({(p.plan.compliance.sender_customer_id, p.plan.currency) for p in run if p.plan.compliance.outgoing},
                     key=str)
    lock: GroupLock = ([c for c, _ in senders], [cur for _, cur in senders], sorted({a for p in run for a in p.plan.deltas}))
    # Postings of one customer in the run depend on each other's order. None of them may then need the engine's second
    # statement after the run (VELOCITY's alert): their statements write the alert themselves when VELOCITY fires, as
    # that second statement does. What is left to run alone (a standing changed since planning) refuses every later
    # posting of the customer in the run too, so running them alone after the run keeps their order.
    dependent = sum(len(p.customers) for p in run) > len(frozenset().union(*(p.customers for p in run)))
    statements = [_statement(principal, p, audit, lock if i == 0 else None, velocity_alert=dependent)
                  for i, p in enumerate(run)]
    if any(sql != statements[0][0] for sql, _ in statements):
        # The run shared one text without VELOCITY's alert and should with it; if it ever does not, one statement's
        # values must never be bound to another's text: each posting alone.
        count_group("one_by_one", "texts differ")
        for planned in run:
            outcomes[planned.index] = await captured(post_planned(principal, planned.checked, planned.plan, audit))
        return
    try:
        async with connections.get("default").acquire_connection() as raw:
            answers = _decided(principal, run, audit, await _fetched(raw, statements))
    except (asyncpg.PostgresError, IntegrityError, OperationalError) as reason:
        # Nothing of the run was written (a key claimed meanwhile, a lock wait timed out...): each posting alone.
        count_group("one_by_one", type(reason).__name__)
        for planned in run:
            outcomes[planned.index] = await captured(post_planned(principal, planned.checked, planned.plan, audit))
        return
    count_group("written")
    for planned, answer in zip(run, answers):
        if isinstance(answer, TransactionRecord):
            await after_written(planned.plan, answer)
            outcomes[planned.index] = answer
        elif isinstance(answer, DomainError):
            # The same answer as a refused single posting: a replay if its key was used meanwhile, else the refusal.
            outcomes[planned.index] = await captured(answer_refusal(principal, planned.checked, answer))
        else:
            # It wrote nothing, and neither did any later posting of its customers in the run (see above): what the
            # engine does next (VELOCITY's alert statement, planning again) it does alone, in order for its customers.
            count_group("alone", answer.reason)  # type: ignore[union-attr]
            outcomes[planned.index] = await captured(post_planned(principal, planned.checked, planned.plan, audit))


async def _fetched(raw: asyncpg.Connection, statements: list[tuple[str, list[Any]]]) -> dict[Any, list[Any]]:
    """Run the statements (one text) in one round trip; their rows by posting id."""
    rows_of: dict[Any, list[Any]] = collections.defaultdict(list)
    # fetchmany is atomic (asyncpg >= 0.22): an error in any statement applies none of them.
    for row in await raw.fetchmany(statements[0][0], [values for _, values in statements]):
        rows_of[row["posting_id"]].append(row)
    return rows_of


def _decided(principal: Principal, run: list[_Planned], audit: AuditNote | None,
             rows_of: dict[Any, list[Any]]) -> list[TransactionRecord | DomainError | _Alone]:
    """Each posting's answer from its rows: its transaction, its refusal, or _Alone (it must run through the engine)."""
    answers: list[TransactionRecord | DomainError | _Alone] = []
    for planned in run:
        rows = rows_of.get(planned.checked.transaction_id, [])
        if rows and rows[0]["passes"]:
            answers.append(passed_record(principal, planned.checked, planned.plan, audit, rows[0]))
            continue
        try:
            name_the_refusal(rows, planned.plan, planned.checked.req)
        except (VelocityFires, StaleStanding) as reason:
            answers.append(_Alone(type(reason).__name__))
        except DomainError as refusal:
            answers.append(refusal)
    return answers
