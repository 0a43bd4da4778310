"""Points the programme's funding wallet pays out (pointsRedeem, or a payment with points never funded into the
reserve) are refused with COMPLIANCE_HOLD when the AML rules would hold that payout, and nothing is spent.

A held payout would keep the points claimed and the redemption written while no money moved, and nothing gives
them back if compliance rejects it. The world: a test pack for NF holds postings of 5.00 CNY or more from a wallet
under 7 days old (NEW_ACCOUNT_HIGH_VALUE, threshold 10.00); the programme's funding wallet is such a wallet.
"""

from __future__ import annotations

import pytest

from models import AmlAlert, DomainEvent, Payment, PointsRedemption
from services.coupons.checkout import DiscountAsk
from services.errors import ComplianceHold
from services.ledger.posting import post_top_up
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.points.programs import ProgramTerms, create_program
from services.points.queries import points_balance
from services.points.redeeming import redeem
from services.points.refused_payouts import REFUSED_PAYOUT, keep_refused_alerts
from services.points.rule_admin import RuleTerms, create_rule
from tests.factories import next_id
from tests.integration.aml_support import hold_pack
from tests.integration.merchant_support import merchant_of
from tests.integration.points_support import ledger_ok, points_caught_up
from tests.integration.service_support import holder, new_partner
from tests.integration.test_coupon_flow import _balance


async def _hold_pack() -> None:
    """NF: a new wallet's postings of 5.00 CNY or more are HELD; generous limits, nothing else."""
    await hold_pack("QA-HP-NF", "NF", {"NEW_ACCOUNT_HIGH_VALUE": {
        "severity": "HIGH", "action": "HOLD", "accountAgeDays": 7, "amountBps": 5_000}}, threshold_minor=1_000)


async def _world():  # type: ignore[no-untyped-def]
    """A programme funded from a new NF wallet holding 8.00, and a CN payer with 1,000 unfunded points (funding
    them would take 10.00: the grant stays unfunded, so spending them makes the funding wallet pay)."""
    await _hold_pack()
    bank = await new_partner("hp")
    funding = await holder(bank, kind="BUSINESS", country="NF", tier=1)
    for _ in range(2):  # each under the 5.00 the pack holds from a new wallet
        await post_top_up(principal=bank, wallet_id=funding.wallet_id, amount="4.00", idempotency_key=next_id("hp-f"))
    program = await create_program(principal=bank, terms=ProgramTerms(
        name="Held Points", unit_code="HPT", value_amount="0.01", value_currency="CNY", expiry_months=12,
        funding_wallet_id=funding.wallet_id))
    await create_rule(principal=bank, program_id=program.id, terms=RuleTerms(kind="PAYMENT", points_per_unit=1,
                                                                             spend_unit="1.00"))
    payer = await holder(bank)
    await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount="2000.00", idempotency_key=next_id("hp-p"))
    merchant = await merchant_of(bank)
    request = await create_payment_request(principal=bank, merchant_id=merchant.id, amount="1000.00", single_use=True)
    await pay(principal=bank, from_wallet_id=payer.wallet_id, qr_payload=request.payload, amount=None,
              idempotency_key=next_id("hp-e"))
    await points_caught_up()
    assert (await points_balance(program.id, payer.customer_id)).balance == 1000
    return bank, program, funding, payer, merchant


async def test_a_redemption_the_rules_would_hold_is_refused_and_spends_nothing(database_url):
    bank, program, funding, payer, _ = await _world()
    before = (await _balance(funding.wallet_id), await _balance(payer.wallet_id))
    with pytest.raises(ComplianceHold) as refused:
        await redeem(principal=bank, customer_id=payer.customer_id, program_id=program.id, points=600,
                     idempotency_key=next_id("hp-r"))
    assert refused.value.field == ["pointsProgramId"]
    assert (await points_balance(program.id, payer.customer_id)).balance == 1000
    assert (await _balance(funding.wallet_id), await _balance(payer.wallet_id)) == before
    assert not await PointsRedemption.filter(customer_id=payer.customer_id).exists()
    await ledger_ok()
    # Rolled back with the payout, its alert is written again: OPEN, for review only, about the funding wallet.
    kept = await AmlAlert.filter(wallet_id=funding.wallet_id, status="OPEN")
    assert [(a.rule, a.action, a.transaction_id) for a in kept] == [("NEW_ACCOUNT_HIGH_VALUE", "ALERT", None)]
    assert kept[0].details[REFUSED_PAYOUT] == {"amountMinor": 600, "currency": "CNY"}
    assert kept[0].customer_id == funding.customer_id and kept[0].severity == "HIGH"
    raised = await DomainEvent.filter(type="aml.alert_raised", object_id=str(kept[0].id))
    assert len(raised) == 1 and raised[0].partner_id is None  # the bank's own event, never a partner's
    # A retry is refused again, and the open alert stands for both: the queue is not filled by retries.
    with pytest.raises(ComplianceHold):
        await redeem(principal=bank, customer_id=payer.customer_id, program_id=program.id, points=600,
                     idempotency_key=next_id("hp-r"))
    assert await AmlAlert.filter(wallet_id=funding.wallet_id, status="OPEN").count() == 1
    # Under the rule's 5.00: paid out at once.
    done = await redeem(principal=bank, customer_id=payer.customer_id, program_id=program.id, points=400,
                        idempotency_key=next_id("hp-r"))
    assert done.transaction.status.value == "POSTED"
    assert (await points_balance(program.id, payer.customer_id)).balance == 600
    assert await _balance(payer.wallet_id) == before[1] + 400
    await ledger_ok()


async def test_a_payment_whose_points_payout_the_rules_would_hold_is_refused_whole(database_url):
    bank, program, funding, payer, merchant = await _world()
    before = (await _balance(funding.wallet_id), await _balance(payer.wallet_id))
    request = await create_payment_request(principal=bank, merchant_id=merchant.id, amount="80.00", single_use=True)
    with pytest.raises(ComplianceHold):
        await pay(principal=bank, from_wallet_id=payer.wallet_id, qr_payload=request.payload, amount=None,
                  idempotency_key=next_id("hp-pay"), discounts=DiscountAsk(points=600, points_program_id=program.id))
    assert not await Payment.filter(payment_request_id=request.id).exists()
    kept = await AmlAlert.filter(wallet_id=funding.wallet_id, status="OPEN")
    assert [(a.rule, a.action, a.transaction_id) for a in kept] == [("NEW_ACCOUNT_HIGH_VALUE", "ALERT", None)]
    assert (await points_balance(program.id, payer.customer_id)).balance == 1000
    assert (await _balance(funding.wallet_id), await _balance(payer.wallet_id)) == before
    await ledger_ok()


async def test_other_errors_keep_no_alerts(database_url):
    assert await keep_refused_alerts(ValueError("not a refused payout")) == 0
    assert await keep_refused_alerts(ComplianceHold("held for another reason")) == 0
