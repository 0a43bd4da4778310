"""A points programme with a funded funding wallet, a paying customer and a merchant, for the points tests."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from auth.principal import Principal
from models import DomainEvent, OutboxCursor, PointsProgram
from tortoise import connections
from services.outbox_position import Position
from services.points.earn_feed import CURSOR, FEED_TYPES, earn_pending
from services.points.records import ProgramRecord, RuleRecord
from services.db.sql import fetch
from services.money import format_amount
from services.ledger.posting import post_top_up, post_withdrawal
from services.ledger.verify import verify_ledger
from services.merchants.records import MerchantRecord
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.payments.records import PaymentRecord
from services.points.programs import ProgramTerms, create_program
from services.points.rule_admin import RuleTerms, create_rule
from tests.factories import next_id
from tests.integration.merchant_support import business, merchant_of
from tests.integration.service_support import Holder, holder, new_partner


@dataclass(frozen=True)
class PointsWorld:
    bank: Principal
    program: ProgramRecord
    rule: RuleRecord
    payer: Holder
    merchant: MerchantRecord
    funding: Holder


async def points_world(*, expiry_months: int = 12, per_month_cap: int | None = None,
                       per_transaction_cap: int | None = None, top_up: str = "5000.00") -> PointsWorld:
    """A partner with a programme (1 point per 1.00 CNY spent, a point worth 0.01 CNY), a funded customer, a merchant."""
    bank = await new_partner("pts")
    funding = await business(bank)
    await post_top_up(principal=bank, wallet_id=funding.wallet_id, amount="1000.00", idempotency_key=next_id("pf"))
    program = await create_program(principal=bank, terms=ProgramTerms(
        name="Bank Points", unit_code="PTS", value_amount="0.01", value_currency="CNY", expiry_months=expiry_months,
        funding_wallet_id=funding.wallet_id))
    rule = await create_rule(principal=bank, program_id=program.id, terms=RuleTerms(
        kind="PAYMENT", points_per_unit=1, spend_unit="1.00", per_month_cap=per_month_cap,
        per_transaction_cap=per_transaction_cap))
    payer = await holder(bank)
    await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount=top_up, idempotency_key=next_id("pt"))
    merchant = await merchant_of(bank)
    return PointsWorld(bank=bank, program=program, rule=rule, payer=payer, merchant=merchant, funding=funding)


async def pay_merchant(world: PointsWorld, amount: str) -> PaymentRecord:
    """The payer pays the world's merchant `amount` CNY."""
    request = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount=amount,
                                           single_use=True)
    paid = await pay(principal=world.bank, from_wallet_id=world.payer.wallet_id, qr_payload=request.payload,
                     amount=None, idempotency_key=next_id("pp"))
    await points_caught_up()
    return paid


async def points_caught_up(timeout_s: float = 20.0) -> None:
    """Run the points feed (services.points.earn_feed) until it has read every payment event written so far.

    On PostgreSQL an event is read once no older transaction is open anywhere on the server (the outbox horizon),
    so another client's open transaction can hold it back a moment: wait for it, boundedly.
    """
    last = await DomainEvent.filter(type__in=FEED_TYPES).order_by("-id").first()
    deadline = time.monotonic() + timeout_s
    while True:
        await earn_pending()
        cursor = await OutboxCursor.get(name=CURSOR)
        if last is None or Position(cursor.tx, cursor.event_id) >= Position(last.tx, last.id):
            return
        assert time.monotonic() < deadline, "the points feed did not reach the last payment event"
        await asyncio.sleep(0.05)


async def ledger_ok() -> None:
    """`qianbao ledger verify` finds nothing wrong (the points invariant included)."""
    report = await verify_ledger()
    assert report.ok, report.problems


def totals_of(row: dict[str, Any]) -> tuple[int, int, int, int]:
    """(issued, outstanding, redeemed, expired) of a programme totals row."""
    return int(row["issued"]), int(row["outstanding"]), int(row["redeemed"]), int(row["expired"])


async def reserve_state(world: PointsWorld) -> tuple[int, int]:
    """(the programme's POINTS_RESERVE balance from its entries, the payer's funded_minor) in minor units."""
    program = await PointsProgram.get(id=world.program.id)
    rows = await fetch(connections.get("default"), (
        "SELECT COALESCE((SELECT SUM(amount_minor) FROM ledger_entry WHERE account_id = $1), 0) AS reserve,"
        " COALESCE((SELECT funded_minor FROM points_account WHERE program_id = $2 AND customer_id = $3), 0) AS funded"),
        [program.reserve_account_id, world.program.id, world.payer.customer_id])
    return int(rows[0]["reserve"]), int(rows[0]["funded"])


async def earn_unfunded(world: PointsWorld, amount: str) -> None:
    """The payer pays `amount` and earns its points while the funding wallet is empty (so they stay unfunded);
    then the funding wallet gets its money back."""
    balance = await fetch(connections.get("default"), "SELECT a.balance_minor FROM account a JOIN wallet w"
                          " ON w.account_id = a.id WHERE w.id = $1", [world.funding.wallet_id])
    emptied = int(balance[0]["balance_minor"])
    await post_withdrawal(principal=world.bank, wallet_id=world.funding.wallet_id, amount=format_amount(emptied, "CNY"),
                          idempotency_key=next_id("pfw"))
    await pay_merchant(world, amount)
    await post_top_up(principal=world.bank, wallet_id=world.funding.wallet_id, amount=format_amount(emptied, "CNY"),
                      idempotency_key=next_id("pft"))
