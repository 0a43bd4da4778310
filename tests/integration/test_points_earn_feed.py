"""The points feed (services.points.earn_feed): points owed by payments are read from the outbox, durably.

A payment commits its `payment.succeeded` event with its money; the feed earns from it later. These tests prove
that an earning which fails is retried (the cursor stays before it), that a refund made before the feed ran is
clawed back when it does, and that repeated rounds grant nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timezone

from models import Entry, PointsAccount, PointsClawback, PointsLot, PointsProgram
from services import clock
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.payments.refunds import refund
from services.points import earn_feed
from services.points.earn_feed import earn_pending
from services.ledger.verify import verify_ledger
from services.points.queries import points_balance, program_totals
from services.points.programs import ProgramTerms, create_program
from services.points.rule_admin import RuleTerms, create_rule
from tests.factories import next_id
from tests.integration.points_support import ledger_ok, points_caught_up, points_world

T0 = datetime(2031, 6, 3, 9, 0, tzinfo=timezone.utc)


async def _pay_without_feed(world, amount: str):
    """The payer pays the world's merchant; the feed is not run."""
    request = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount=amount,
                                           single_use=True)
    return await pay(principal=world.bank, from_wallet_id=world.payer.wallet_id, qr_payload=request.payload,
                     amount=None, idempotency_key=next_id("fp"))


def _recording_settled(monkeypatch) -> list:  # type: ignore[no-untyped-def]
    """The payments the feed settles from now on (settle_points still runs), in order."""
    settled = []
    real = earn_feed.settle_points

    async def recording(payment_id):  # noqa: ANN001, ANN202
        settled.append(payment_id)
        return await real(payment_id)

    monkeypatch.setattr(earn_feed, "settle_points", recording)
    return settled


async def test_the_payment_itself_earns_nothing_the_feed_earns_once(database_url):
    world = await points_world()
    await points_caught_up()  # other tests' events are behind us
    with clock.frozen_at(T0):
        paid = await _pay_without_feed(world, "42.00")
        assert not await PointsLot.exists(source_id=paid.id)  # the payment did no points work
        await points_caught_up()
        await earn_pending()  # a second pass grants nothing twice
        await earn_feed.settle_points(paid.id)  # nor does settling the payment by hand
    assert await PointsLot.filter(source_id=paid.id).count() == 1
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 42
    await ledger_ok()


async def test_a_failing_earning_is_retried_and_the_cursor_waits_for_it(database_url, monkeypatch):
    world = await points_world()
    await points_caught_up()
    real = earn_feed.earn
    failures = []

    async def failing_once(**kwargs):
        if not failures:
            failures.append(kwargs["source_id"])
            raise RuntimeError("database went away")
        return await real(**kwargs)

    monkeypatch.setattr(earn_feed, "earn", failing_once)
    with clock.frozen_at(T0):
        paid = await _pay_without_feed(world, "10.00")
        later = await _pay_without_feed(world, "5.00")
        await earn_feed.earn_round()  # fails on the first payment: nothing after it is read either
        assert failures == [paid.id]
        assert not await PointsLot.exists(source_id=paid.id)
        assert not await PointsLot.exists(source_id=later.id)
        await points_caught_up()  # the next rounds retry it
    assert await PointsLot.filter(source_id=paid.id).count() == 1
    assert await PointsLot.filter(source_id=later.id).count() == 1
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 15
    await ledger_ok()


async def test_a_refund_made_before_the_feed_ran_is_clawed_back_when_it_runs(database_url):
    world = await points_world()
    await points_caught_up()
    with clock.frozen_at(T0):
        paid = await _pay_without_feed(world, "100.00")
        await refund(principal=world.bank, payment_id=paid.id, amount="25.00", reason="part", idempotency_key=next_id("r"))
        await points_caught_up()
        await points_caught_up()
    lot = await PointsLot.get(source_id=paid.id)
    assert (lot.earned_points, lot.clawed_points) == (100, 25)
    assert await PointsClawback.filter(lot_id=lot.id).count() == 1  # both events read, clawed once
    totals = await program_totals(world.program.id)
    assert (totals.issued, totals.outstanding) == (75, 75)  # issued counts net of what was clawed back
    await ledger_ok()



async def test_ledger_verify_names_a_programme_whose_points_do_not_add_up(database_url):
    first, second = await points_world(), await points_world()
    with clock.frozen_at(T0):
        paid = await _pay_without_feed(first, "30.00")
        await points_caught_up()
    lot = await PointsLot.get(source_id=paid.id)
    holder = await PointsAccount.get(program_id=first.program.id, customer_id=first.payer.customer_id)
    elsewhere = (await PointsProgram.get(id=second.program.id)).issuance_account_id  # type: ignore[attr-defined]
    # The earned points' credit moved onto another programme's account: the first programme's outstanding points
    # no longer match what it issued. Put back afterwards: the suite's database is shared.
    assert await Entry.filter(transaction_id=lot.transaction_id, account_id=holder.account_id).update(
        account_id=elsewhere) == 1
    try:
        report = await verify_ledger()
    finally:
        await Entry.filter(transaction_id=lot.transaction_id, account_id=elsewhere).update(account_id=holder.account_id)
    assert any(f"points programme {first.program.id} does not add up" in p for p in report.problems), report.problems
    await ledger_ok()


async def test_payments_in_a_currency_no_programme_values_points_in_are_passed_without_reads(database_url, monkeypatch):
    # One read of the programmes a round stands in for a payment's reads when no programme could earn from it.
    import uuid

    from tortoise.transactions import in_transaction

    from services.events import record_domain_event

    world = await points_world()  # a CNY programme exists
    await points_caught_up()
    settled = _recording_settled(monkeypatch)
    assert "XTS" not in set(await PointsProgram.all().values_list("value_currency", flat=True))
    elsewhere, paid = uuid.uuid4(), await _pay_without_feed(world, "3.00")
    async with in_transaction() as conn:  # the ISO 4217 testing code: no programme values points in it
        await record_domain_event(type="payment.succeeded", partner_id=world.bank.partner_id, object_type="Payment",
                                  object_id=elsewhere, payload={"paymentId": str(elsewhere), "merchantId": str(world.merchant.id),
                                                               "amount": {"amount": "5.00", "currency": "XTS"}},
                                  using_db=conn)
    await points_caught_up()
    assert paid.id in settled and elsewhere not in settled
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 3  # the CNY one earned


async def test_a_payment_no_active_rule_could_earn_from_is_passed_unless_it_was_refunded(database_url, monkeypatch):
    # A programme in USD with no ACTIVE earn rule: a USD payment has nothing to earn, so the feed passes it without
    # its reads, unless the payment has a refund (its points may have been earned under a rule retired since).
    import uuid

    from tortoise.transactions import in_transaction

    from models import PointsEarnRule
    from services.events import record_domain_event
    from services.ledger.posting import post_top_up
    from services.points.programs import ProgramTerms, create_program
    from tests.integration.merchant_support import business

    world = await points_world()
    await points_caught_up()
    funding = await business(world.bank, currency="USD")
    await post_top_up(principal=world.bank, wallet_id=funding.wallet_id, amount="100.00", idempotency_key=next_id("usd"))
    usd = await create_program(principal=world.bank, terms=ProgramTerms(
        name="Dollar Points", unit_code="DPT", value_amount="0.01", value_currency="USD", expiry_months=12,
        funding_wallet_id=funding.wallet_id))
    assert not await PointsEarnRule.filter(program_id=usd.id, status="ACTIVE").exists()
    with clock.frozen_at(T0):
        refunded = await _pay_without_feed(world, "20.00")
        await refund(principal=world.bank, payment_id=refunded.id, amount="5.00", reason="part", idempotency_key=next_id("r"))
        await points_caught_up()
    settled = _recording_settled(monkeypatch)
    unrefunded = uuid.uuid4()
    async with in_transaction() as conn:  # two USD payments' events: one never refunded, one with a refund
        for paid_id in (unrefunded, refunded.id):
            body = {"paymentId": str(paid_id), "merchantId": str(world.merchant.id),
                    "amount": {"amount": "20.00", "currency": "USD"}}
            await record_domain_event(type="payment.succeeded", partner_id=world.bank.partner_id, object_type="Payment",
                                      object_id=paid_id, payload=body, using_db=conn)
    await points_caught_up()
    assert settled == [refunded.id]  # read (and clawed back, once: nothing more was asked) ...
    assert unrefunded not in settled  # ... and the other passed without a read
    lot = await PointsLot.get(source_id=refunded.id)
    assert (lot.earned_points, lot.clawed_points) == (20, 5)
    await ledger_ok()


async def test_a_payment_whose_payer_no_programme_is_open_to_is_passed_and_a_bank_programme_opens_every_payer(
        database_url, monkeypatch):
    # Programmes are open to their partner's customers (and the bank's to everyone's): a CNY payment by a partner
    # that runs no programme has nothing to earn although another partner's CNY programme has an ACTIVE rule.
    from services.ledger.posting import post_top_up
    from services.points.rule_admin import retire_rule  # noqa: I001
    from tests.integration.merchant_support import business, merchant_of, staff
    from tests.integration.service_support import holder, new_partner

    world = await points_world()  # partner A: a CNY programme with an ACTIVE PAYMENT rule
    other = await new_partner("nopts")  # partner B: no programme of its own
    payer, merchant = await holder(other), await merchant_of(other)
    await post_top_up(principal=other, wallet_id=payer.wallet_id, amount="100.00", idempotency_key=next_id("b"))

    async def b_pays(amount: str):
        request = await create_payment_request(principal=other, merchant_id=merchant.id, amount=amount, single_use=True)
        return await pay(principal=other, from_wallet_id=payer.wallet_id, qr_payload=request.payload, amount=None,
                         idempotency_key=next_id("bp"))

    await points_caught_up()
    settled = _recording_settled(monkeypatch)
    with clock.frozen_at(T0):
        a_paid, b_paid = await _pay_without_feed(world, "8.00"), await b_pays("9.00")
        await points_caught_up()
    assert a_paid.id in settled and b_paid.id not in settled
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 8

    # The bank's own CNY programme is open to B's customers too: B's next payment is read and earns in it.
    funding = await business(other)
    await post_top_up(principal=other, wallet_id=funding.wallet_id, amount="100.00", idempotency_key=next_id("bf"))
    officer = staff("admin")
    bank_program = await create_program(principal=officer, terms=ProgramTerms(
        name="Bank-wide Points", unit_code="BKP", value_amount="0.01", value_currency="CNY", expiry_months=12,
        funding_wallet_id=funding.wallet_id))
    rule = await create_rule(principal=officer, program_id=bank_program.id, terms=RuleTerms(
        kind="PAYMENT", points_per_unit=1, spend_unit="1.00"))
    try:
        with clock.frozen_at(T0):
            b_again = await b_pays("7.00")
            await points_caught_up()
        assert b_again.id in settled
        assert (await points_balance(bank_program.id, payer.customer_id)).balance == 7
    finally:  # the suite's database is shared: no bank-wide rule outlives this test
        await retire_rule(principal=officer, rule_id=rule.id)
    await ledger_ok()
