"""What compliance requires of one posting, decided before any lock, and re-checked on the locked rows.

Before locking: both customers must be clear of screening holds; the
sender's tier must cover the currency, allow cross-border transfers when the
customers' countries differ, and allow the amount at once; the receiver's
tier must cover the currency; the AML rules decide whether the posting is
held. On the locked rows (both posting paths): the customers' tier and
screening status must still be what was planned, the sender's period totals
must fit, and the receiver's balance must stay under its tier's maximum.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise import connections

from models.enums import ScreeningStatus, TransactionKind
from services.aml.activity import read_activity
from services.aml.rules import Posting, RuleHit, evaluate, holds
from services.aml.velocity import VelocityRule, velocity_rule
from services.compliance.limits import (
    OutgoingLimits, Usage, check_max_balance, check_single, check_totals, period_keys, tier_limits,
)
from services.compliance.customer_limits import capped_by_customer
from services.compliance.policies import Pack, pack_for_country
from services.compliance.standing import Standing, forget_standing, standings
from services.errors import ComplianceHold, KycRequired
from services.caches import USAGE_ROWS
from services.db.sql import execute
from services.db.wallet_rows import LockedWallet


class StaleStanding(Exception):
    """A customer's tier or screening status changed after the posting was planned: plan again."""


@dataclass(frozen=True)
class ComplianceCheck:
    sender_customer_id: uuid.UUID | None
    outgoing: OutgoingLimits | None          # the sender's limits; None when no customer sends
    max_balance: dict[int, int | None]       # receiving wallet account -> its tier's maximum balance
    expected_tier: dict[int, int]            # wallet account -> the customer's KYC tier as planned
    hits: list[RuleHit] = field(default_factory=list)  # the rules decided before locking (all but VELOCITY)
    hold: bool = False
    velocity: VelocityRule | None = None  # decided on the locked usage row (outgoing postings only)
    subject_customer_id: uuid.UUID | None = None
    subject_wallet_id: uuid.UUID | None = None


# A customer's empty usage row for a currency ($1, $2), unless it exists.
INSERT_USAGE_ROW = (
    "INSERT INTO limit_usage (customer_id, currency, day_key, day_out_minor, month_key, month_out_minor,"
    " year_key, year_out_minor, lifetime_out_minor, velocity_count) VALUES ($1, $2, '', 0, '', 0, '', 0, 0, 0)"
    " ON CONFLICT (customer_id, currency) DO NOTHING"
)


def forget_usage_rows() -> None:
    """Forget which usage rows exist (the next posting of each customer makes sure again)."""
    USAGE_ROWS.clear()


async def ensure_usage_row(customer_id: uuid.UUID, currency: str) -> None:
    """Create the customer's usage row for a currency once, so the posting has a row to lock."""
    if (customer_id, currency) in USAGE_ROWS:
        return
    await execute(connections.get("default"), INSERT_USAGE_ROW, [customer_id, currency])
    USAGE_ROWS.put((customer_id, currency), True)


def is_cross_border(pack: Pack, sender_country: str, receiver_country: str) -> bool:
    """Different countries, unless the pack lists both (a single market such as the EU's)."""
    if sender_country == receiver_country:
        return False
    return not (sender_country in pack.countries and receiver_country in pack.countries)


def check_clear(standing: Standing, field_name: str) -> None:
    """COMPLIANCE_HOLD unless the customer's screening is clear: a held customer neither sends nor receives."""
    if standing.screening_status != ScreeningStatus.CLEAR.value:
        raise ComplianceHold(
            "the customer is held for compliance review: nothing moves until the bank resolves it", field=[field_name]
        )


async def check_compliance(
    *, kind: TransactionKind, source: LockedWallet | None, target: LockedWallet | None, amount_minor: int,
    currency: str, at: datetime, from_field: str, to_field: str, dry_run: bool = False,
) -> ComplianceCheck:
    """Every compliance rule that needs no lock, and what the locked rows must still show (a dry run writes nothing)."""
    ids = [w.customer_id for w in (source, target) if w is not None]
    known = await standings(ids)
    outgoing, max_balance, expected = None, {}, {}
    if source is not None:
        sender = known[source.customer_id]
        check_clear(sender, from_field)
        pack = await pack_for_country(sender.country)
        tier = pack.tier_for(sender.kyc_tier)
        # The tier's limits, lowered where the customer set lower ones itself: one set of caps, checked below
        # (per transaction) and on the locked usage row (daily and the other periods), all in one place.
        limits = await capped_by_customer(tier_limits(pack, tier, currency, field=from_field), sender.customer_id, currency)
        outgoing = OutgoingLimits(
            currency=currency, keys=period_keys(pack, at), limits=limits, tier=tier, jurisdiction=pack.jurisdiction,
        )
        check_single(outgoing, amount_minor)
        if target is not None and is_cross_border(pack, sender.country, known[target.customer_id].country) and not tier.cross_border:
            raise KycRequired(f"{tier.name} ({pack.jurisdiction}) does not allow cross-border transfers", field=[from_field])
        expected[source.account_id] = sender.kyc_tier
        if not dry_run:  # a dry run reads a missing usage row as nothing used yet (services.ledger.dry_run)
            await ensure_usage_row(sender.customer_id, currency)
    if target is not None:
        receiver = known[target.customer_id]
        check_clear(receiver, to_field)
        pack = await pack_for_country(receiver.country)
        limits = tier_limits(pack, pack.tier_for(receiver.kyc_tier), currency, field=to_field)
        max_balance[target.account_id] = limits.max_balance
        expected[target.account_id] = receiver.kyc_tier
    subject = source or target
    assert subject is not None
    subject_pack = await pack_for_country(known[subject.customer_id].country)
    hits = await _aml_hits(kind, subject_pack, subject, source is not None, amount_minor, currency, at)
    return ComplianceCheck(
        sender_customer_id=source.customer_id if source else None, outgoing=outgoing, max_balance=max_balance,
        expected_tier=expected, hits=hits, hold=holds(hits), subject_customer_id=subject.customer_id,
        subject_wallet_id=subject.wallet_id,
        velocity=velocity_rule(subject_pack.aml_rules) if source is not None else None,
    )


async def _aml_hits(
    kind: TransactionKind, pack: Pack, wallet: LockedWallet, outgoing: bool, amount_minor: int, currency: str, at: datetime
) -> list[RuleHit]:
    """Every rule but VELOCITY, which the posting decides on the locked usage row (services.aml.velocity)."""
    rules = {rule: setting for rule, setting in pack.aml_rules.items() if rule != "VELOCITY"}
    posting = Posting(kind=kind.value, currency=currency, amount_minor=amount_minor, outgoing=outgoing, at=at)
    activity = await read_activity(wallet.wallet_id, rules, posting, pack.thresholds.get(currency))
    return evaluate(rules, pack.thresholds, posting, activity)


def check_locked(
    check: ComplianceCheck, locked: list[dict[str, Any]], usage_row: dict[str, Any] | None,
    deltas: dict[int, int], amount_minor: int, currency: str, fields: dict[int, str],
) -> None:
    """The checks that need the locked rows: standing unchanged, period totals, maximum balance."""
    for row in locked:
        account_id = int(row["account_id"])
        if row["screening_status"] != ScreeningStatus.CLEAR.value:
            raise ComplianceHold(
                "the customer is held for compliance review: nothing moves until the bank resolves it",
                field=[fields.get(account_id, "walletId")],
            )
        if account_id in check.expected_tier and int(row["kyc_tier"]) != check.expected_tier[account_id]:
            forget_standing()
            raise StaleStanding()
    if check.outgoing is not None:
        check_totals(check.outgoing, Usage.from_row(usage_row), amount_minor)
    for row in locked:
        account_id = int(row["account_id"])
        delta = deltas.get(account_id, 0)
        if delta > 0:
            check_max_balance(
                check.max_balance.get(account_id), currency, int(row["balance_minor"]) + delta,
                field=fields.get(account_id, "walletId"),
            )
