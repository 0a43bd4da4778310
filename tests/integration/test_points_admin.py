"""Points programmes and earn rules as data: who may create and change them, audit rows and points_rule.* events,
bad input changing nothing; earning once per payment whatever calls it again."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tortoise.transactions import in_transaction

from models import AuditEvent, Customer, DomainEvent, PointsEarnRule, PointsLot, PointsProgram
from services import clock
from services.audit import Actor, AuditNote
from services.errors import Forbidden, NotFound, ValidationFailed
from services.points.booking import lock_points_account
from services.points.clawback import claw_back
from services.points.earning import earn, month_key
from services.points.expiry import expire_due
from services.points.holdings import holding
from services.points.programs import ProgramTerms, create_program
from services.points.rule_admin import RuleTerms, create_rule, retire_rule, update_rule
from services.points.rules import Spend
from tests.integration.merchant_support import customer_token, staff
from tests.integration.points_support import ledger_ok, points_world
from tests.integration.service_support import holder, new_partner

AT = datetime(2031, 8, 1, tzinfo=timezone.utc)


async def test_rules_are_created_updated_and_retired_with_audit_and_events(database_url):
    world = await points_world()
    note = AuditNote(actor=Actor(kind="partner", id=world.bank.subject, partner_id=world.bank.partner_id),
                     operation="pointsEarnRuleUpdate")
    updated = await update_rule(principal=world.bank, rule_id=world.rule.id, terms=RuleTerms(points_per_unit=2),
                                audit=note)
    assert (updated.points_per_unit, updated.version) == (2, 2)
    retired = await retire_rule(principal=world.bank, rule_id=world.rule.id)
    assert (retired.status, retired.version) == ("RETIRED", 3)
    with pytest.raises(ValidationFailed):
        await update_rule(principal=world.bank, rule_id=world.rule.id, terms=RuleTerms(points_per_unit=3))
    types = await DomainEvent.filter(object_id=str(world.rule.id)).order_by("id").values_list("type", flat=True)
    assert types == ["points_rule.created", "points_rule.updated", "points_rule.retired"]
    assert await AuditEvent.filter(object_id=str(world.rule.id), operation="pointsEarnRuleUpdate").count() == 1


async def test_who_may_manage_programmes_and_bad_input_changes_nothing(database_url):
    world = await points_world()
    other = await new_partner("pts-other")
    rules_before = await PointsEarnRule.all().count()
    with pytest.raises(NotFound):  # another partner's programme is not there for it
        await create_rule(principal=other, program_id=world.program.id,
                          terms=RuleTerms(kind="PAYMENT", points_per_unit=1, spend_unit="1.00"))
    with pytest.raises(Forbidden):
        await create_rule(principal=customer_token(world.bank, world.payer.customer_id), program_id=world.program.id,
                          terms=RuleTerms(kind="PAYMENT", points_per_unit=1, spend_unit="1.00"))
    with pytest.raises(Forbidden):  # support staff may not; admin (fees:write) may
        await create_rule(principal=staff("support"), program_id=world.program.id,
                          terms=RuleTerms(kind="PAYMENT", points_per_unit=1, spend_unit="1.00"))
    for bad in (RuleTerms(kind="REFUND", points_per_unit=1, spend_unit="1.00"),
                RuleTerms(kind="PAYMENT", points_per_unit=0, spend_unit="1.00"),
                RuleTerms(kind="PAYMENT", points_per_unit=1, spend_unit="0.001"),
                RuleTerms(kind="PAYMENT", points_per_unit=1, spend_unit="1.00", mcc="58"),
                RuleTerms(kind="PAYMENT", points_per_unit=1, spend_unit="1.00", valid_from=AT, valid_to=AT)):
        with pytest.raises((ValidationFailed, Exception)) as refused:
            await create_rule(principal=world.bank, program_id=world.program.id, terms=bad)
        assert getattr(refused.value, "code", None) in ("VALIDATION", "INVALID_AMOUNT")
    assert await PointsEarnRule.all().count() == rules_before
    await create_rule(principal=staff("admin"), program_id=world.program.id,
                      terms=RuleTerms(kind="TRANSFER", points_per_unit=1, spend_unit="10.00"))
    programs_before = await PointsProgram.all().count()
    for terms in (ProgramTerms(name="X", unit_code="CNY", value_amount="0.01", value_currency="CNY", expiry_months=12,
                               funding_wallet_id=world.funding.wallet_id),
                  ProgramTerms(name="X", unit_code="PTS", value_amount="0.01", value_currency="CNY", expiry_months=0,
                               funding_wallet_id=world.funding.wallet_id)):
        with pytest.raises(ValidationFailed):
            await create_program(principal=world.bank, terms=terms)
    with pytest.raises(NotFound):  # a partner funds its programme from its own wallets only
        await create_program(principal=other, terms=ProgramTerms(
            name="X", unit_code="PTS", value_amount="0.01", value_currency="CNY", expiry_months=12,
            funding_wallet_id=world.funding.wallet_id))
    assert await PointsProgram.all().count() == programs_before


async def test_an_earning_is_granted_once_per_source_and_bank_programmes_reach_every_partner(database_url):
    world = await points_world()
    bank_wide = await create_program(principal=staff("admin"), terms=ProgramTerms(
        name="Bank-wide", unit_code="QBP", value_amount="0.02", value_currency="CNY", expiry_months=6,
        funding_wallet_id=world.funding.wallet_id))
    bank_rule = await create_rule(principal=staff("admin"), program_id=bank_wide.id,
                                  terms=RuleTerms(kind="PAYMENT", points_per_unit=2, spend_unit="5.00"))
    other_customer = await holder(await new_partner("pts-far"))
    customer = await Customer.get(id=world.payer.customer_id)
    source = world.rule.id  # any id: the earning's source
    with clock.frozen_at(AT):
        lots = await earn(customer=customer, currency="CNY", spend=Spend(kind="PAYMENT", amount_minor=1000, at=AT),
                          source_id=source)
        assert sorted(lot.earned_points for lot in lots) == [4, 10]  # 2 per 5.00 in the bank's, 1 per 1.00 in its own
        assert await earn(customer=customer, currency="CNY", spend=Spend(kind="PAYMENT", amount_minor=1000, at=AT),
                          source_id=source) == []
        far = await Customer.get(id=other_customer.customer_id)
        assert [lot.earned_points for lot in await earn(customer=far, currency="CNY", spend=Spend(
            kind="PAYMENT", amount_minor=1000, at=AT), source_id=world.program.id)] == [4]  # only the bank's applies
        assert month_key(AT) == "2031-08"
        rows = await claw_back(payment_id=source, refunded_total_minor=500, source_id=bank_wide.id)
        assert sorted(r.clawed_points for r in rows) == [2, 5]  # half refunded: half of each lot
        assert await claw_back(payment_id=source, refunded_total_minor=500, source_id=bank_wide.id) == []
        await expire_due(now=AT)  # nothing of this customer is due yet (other tests' lots may be)
    # Retired, so later tests' CNY payments earn in their own programmes only (a bank programme reaches everyone).
    await retire_rule(principal=staff("admin"), rule_id=bank_rule.id)
    held = await holding(world.program.id, customer.id, now=AT, until=AT + timedelta(days=3660))
    assert (held.balance, held.due_points, held.expiring_points) == (5, 0, 5)  # 10 earned, 5 clawed back: one lot
    expired = await holding(world.program.id, customer.id, now=AT + timedelta(days=3660))
    assert (expired.balance, expired.due_points, expired.spendable) == (5, 5, 0)  # not swept yet: none to spend
    assert (await holding(world.program.id, other_customer.customer_id, now=AT)).account_id is None  # never earned here
    assert await PointsLot.filter(source_id=source).count() == 2
    async with in_transaction() as conn:
        assert await lock_points_account(conn, held.account_id) == 5
    await ledger_ok()
