"""Merchant fees without a database: who pays, the MCC and merchant selectors, the cap, and what a refund gives back."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from services.fees.charging import NO_FEE
from services.fees.merchant_fee import MERCHANT, charged_merchant_fee, merchant_fee_minor, returned_fee
from services.fees.merchant_terms import MerchantTerms
from services.fees.rules import FeeContext, RuleSpec, decide_fee, overlaps, precedence, select_rule

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
PARTNER = uuid.UUID(int=1)
SHOP = uuid.UUID(int=7)
PROPERTY = settings(derandomize=True, database=None, max_examples=300, deadline=None)


def rule(**changes) -> RuleSpec:
    base = RuleSpec(
        id=uuid.UUID(int=100), partner_id=PARTNER, kind="PAYMENT", currency="CNY", corridor=None,
        destination_country=None, customer_kind=None, amount_min_minor=None, amount_max_minor=None, fixed_minor=0,
        rate_bps=0, fee_min_minor=0, fee_max_minor=None, free_per_month=0, effective_from=T0, effective_to=None,
        payer="RECEIVER", refund_treatment="RETAINED",
    )
    return dataclasses.replace(base, **changes)


def ctx(**changes) -> FeeContext:
    base = FeeContext(partner_id=PARTNER, kind="PAYMENT", currency="CNY", amount_minor=10_000, corridor="DOMESTIC",
                      destination_country="CN", customer_kind="BUSINESS", at=T0 + timedelta(days=1), payer="RECEIVER",
                      mcc="5812", merchant_id=SHOP)
    return dataclasses.replace(base, **changes)


def test_a_rule_charges_only_the_party_it_names():
    receiver, sender = rule(id=uuid.UUID(int=1), rate_bps=100), rule(id=uuid.UUID(int=2), payer="SENDER", rate_bps=50)
    assert select_rule([receiver, sender], ctx()) == receiver
    assert select_rule([receiver, sender], ctx(payer="SENDER")) == sender


def test_one_merchant_beats_its_category_which_beats_any_merchant():
    anyone = rule(id=uuid.UUID(int=1), rate_bps=300)
    category = rule(id=uuid.UUID(int=2), mcc="5812", rate_bps=200)
    one = rule(id=uuid.UUID(int=3), merchant_id=SHOP, rate_bps=100)
    assert precedence(one) > precedence(category) > precedence(anyone)
    assert select_rule([anyone, category, one], ctx()) == one
    assert select_rule([anyone, category, one], ctx(merchant_id=uuid.UUID(int=8))) == category
    assert select_rule([anyone, category, one], ctx(merchant_id=uuid.UUID(int=8), mcc="5411")) == anyone
    # A SENDER and a RECEIVER rule of the same terms never clash; two RECEIVER ones do.
    assert not overlaps(category, dataclasses.replace(category, id=uuid.UUID(int=4), payer="SENDER"))
    assert overlaps(category, dataclasses.replace(category, id=uuid.UUID(int=4)))
    assert not overlaps(category, dataclasses.replace(category, id=uuid.UUID(int=4), mcc="5411"))


def test_a_merchant_fee_never_exceeds_the_payment_and_records_its_treatment():
    decision = decide_fee([rule(fixed_minor=50, refund_treatment="RETURNED")], ctx(amount_minor=30), used_this_month=0)
    assert decision.fee_minor == 30
    assert (decision.breakdown["payer"], decision.breakdown["refund_treatment"]) == ("RECEIVER", "RETURNED")
    payer_paid = decide_fee([rule(payer="SENDER", fixed_minor=50)], ctx(payer="SENDER", amount_minor=30),
                            used_this_month=0)
    assert payer_paid.fee_minor == 50 and "payer" not in payer_paid.breakdown


def stored(fee: int, share: int, treatment: str = "RETURNED") -> dict:
    return {"rule_id": None, "fee_minor": 0, MERCHANT: {"rule_id": str(uuid.UUID(int=100)), "fee_minor": fee,
                                                         "partner_share_minor": share, "refund_treatment": treatment}}


def test_a_refund_gives_back_each_part_in_proportion_rounded_down():
    back = returned_fee(stored(150, 30), payment_minor=10_000, refund_minor=4_000, partner_id=PARTNER)
    assert (back.fee_minor, back.share_minor, back.partner_id) == (-60, -12, PARTNER)
    assert merchant_fee_minor({MERCHANT: back.breakdown}) == -60
    assert returned_fee(stored(150, 30), payment_minor=10_000, refund_minor=10_000, partner_id=PARTNER).fee_minor == -150
    assert returned_fee(stored(150, 30, "RETAINED"), payment_minor=10_000, refund_minor=10_000,
                        partner_id=PARTNER) is NO_FEE
    assert returned_fee({"fee_minor": 10}, payment_minor=100, refund_minor=100, partner_id=PARTNER) is NO_FEE
    assert returned_fee(stored(1, 0), payment_minor=100, refund_minor=1, partner_id=PARTNER) is NO_FEE  # rounds to 0
    assert charged_merchant_fee(None) is None and merchant_fee_minor({"merchant": "junk"}) == 0


@PROPERTY
@given(payment=st.integers(1, 10**9), fee_share=st.tuples(st.integers(0, 10**7), st.integers(0, 10_000)),
       cuts=st.lists(st.integers(1, 10**4), min_size=1, max_size=12))
def test_partial_refunds_never_give_back_more_of_either_part_than_it_received(payment, fee_share, cuts):
    fee = min(fee_share[0], payment)
    share = fee * fee_share[1] // 10_000
    # Split the payment into partial refunds (the last one takes what remains, as refunds may sum to the amount).
    total, refunds = sum(cuts), []
    for cut in cuts:
        refunds.append(payment * cut // total)
    refunds = [r for r in refunds if r > 0]
    backs = [returned_fee(stored(fee, share), payment_minor=payment, refund_minor=r, partner_id=PARTNER) for r in refunds]
    assert sum(refunds) <= payment
    assert -sum(b.share_minor for b in backs) <= share
    assert -sum(b.fee_minor - b.share_minor for b in backs) <= fee - share
    assert all(b.fee_minor <= 0 for b in backs)


def test_merchant_terms_of_a_stored_merchant():
    class Row:
        id, mcc, partner_id, settlement_wallet_id = SHOP, "5812", PARTNER, uuid.UUID(int=9)

    assert MerchantTerms.of(Row()) == MerchantTerms(SHOP, "5812", PARTNER, uuid.UUID(int=9))
