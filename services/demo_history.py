"""`qianbao demo`'s history: weeks of daily activity for a demo partner, so dashboards have something to show.

Each day runs with the one clock (services.clock.frozen_at) set to that past day, so every rule that reads the
clock (limit days, quote and request expiries, velocity windows) sees the day the activity belongs to. Rows that
take the database's or the system's time as they are written (created_at, occurred_at, submitted_at) are then
dated to that day as well. The audit log is left alone: its hash chain records when the demo really wrote it.

Everything goes through the services (postings, KYC, merchants, payment requests): the ledger stays balanced and
`qianbao ledger verify` clean. Each day's top-up covers that day's spending and Bob withdraws less than three days of
receipts, so a balance replayed in date order never dips below zero either. Keys are derived from the run id, so a rerun of one run replays instead of doubling.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from auth.principal import Principal
from models import AmlAlert, Customer, DomainEvent, Entry, KycSubmission, Payment, PaymentRequest, Transaction, Wallet
from services.clock import frozen_at, now
from services.reporting.rollup import forget_since
from services.customers import create_customer
from services.errors import DomainError
from services.kyc.application import BusinessIn, DocumentIn, KycApplication, OwnerIn
from services.kyc.review import decide_submission
from services.kyc.submission import submit_kyc
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.merchants.onboarding import create_merchant
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.scoping import of_tenant
from services.wallets import open_wallet

DEFAULT_DAYS = 42
REVIEWER = "demo-compliance"
# A top-up this large (CNY) crosses the shipped PBOC large-value threshold (50,000 CNY): a LARGE_TRANSACTION alert.
_LARGE_TOP_UP = "52000.00"
_LARGE_DAYS = (9, 30)


@dataclass
class HistoryReport:
    """What one partner's history run did."""

    days: int = 0
    postings: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    kyc_decided: int = 0
    merchant_payments: int = 0


@dataclass(frozen=True)
class _Cast:
    alice: uuid.UUID  # the customer who tops up, pays and sends
    bob: uuid.UUID  # receives and withdraws
    shop: uuid.UUID  # the tea shop's settlement wallet (the large top-ups go here)
    alice_wallet: uuid.UUID
    bob_wallet: uuid.UUID
    merchant: uuid.UUID | None


def _day_moment(day: datetime, minute: int) -> datetime:
    """A moment on `day` at 08:00 UTC plus `minute` minutes (kept inside the day)."""
    return datetime.combine(day.date(), time(8, 0), tzinfo=timezone.utc) + timedelta(minutes=minute % 900)


def _application(name: str, id_number: str, *, business: bool = False) -> KycApplication:
    """A KYC application with made-up details and a document digest."""
    digest = hashlib.sha256(f"demo-{id_number}".encode()).hexdigest()
    company = BusinessIn(
        company_name=name, registration_number=f"91330100{id_number[-8:]}", incorporation_country="CN",
        incorporation_date="2015-03-02",
        beneficial_owners=[OwnerIn(legal_name="Jasmine Chen", date_of_birth="1979-11-20", nationality="CN", ownership_bps=10_000)],
    ) if business else None
    return KycApplication(
        legal_name=name, date_of_birth=None if business else "1990-06-01", nationality="CN", id_type="passport",
        id_number=id_number, address="1 Tea Road, Hangzhou",
        documents=[DocumentIn(type="passport", sha256=digest, file_name="id.pdf")], business=company,
    )


async def _backdate_since(partner_id: uuid.UUID, since: datetime, to: datetime) -> None:
    """Date the partner's rows written since `since` (system time) to the past moment `to`."""
    await of_tenant(Transaction, partner_id).filter(created_at__gte=since).update(created_at=to)
    await of_tenant(Entry, partner_id).filter(created_at__gte=since).update(created_at=to)
    await of_tenant(Payment, partner_id).filter(created_at__gte=since).update(created_at=to)
    await of_tenant(PaymentRequest, partner_id).filter(created_at__gte=since).update(created_at=to)
    await of_tenant(AmlAlert, partner_id).filter(created_at__gte=since).update(created_at=to)
    await of_tenant(DomainEvent, partner_id).filter(occurred_at__gte=since).update(occurred_at=to)


def _system_now() -> datetime:
    """The system clock (rows dated by the database or Tortoise use it, not services.clock)."""
    return datetime.now(timezone.utc)


async def _kyc(principal: Principal, customer_id: uuid.UUID, app: KycApplication, decision: str | None,
               tier: int | None, report: HistoryReport) -> None:
    """Submit one application and, unless decision is None, decide it as the demo's compliance reviewer."""
    submitted = await submit_kyc(principal=principal, customer_id=customer_id, application=app)
    if decision is not None:
        await decide_submission(submission_id=submitted.id, decision=decision, tier=tier, reviewed_by=REVIEWER,
                                reason="demo: documents checked" if decision == "APPROVE" else "demo: document unreadable")
        report.kyc_decided += 1


async def _onboard(principal: Principal, run_id: str, wallet_ids: list[str], start: datetime,
                   report: HistoryReport) -> _Cast:
    """On the first day: KYC for the three demo customers (approved), two more applicants, and the tea shop merchant."""
    since = _system_now()
    wallets = [await Wallet.get(id=uuid.UUID(w)) for w in wallet_ids]
    alice, bob, shop = (w.customer_id for w in wallets)  # type: ignore[attr-defined]
    await _kyc(principal, alice, _application("Alice Wang", "E10000001"), "APPROVE", 2, report)
    await _kyc(principal, bob, _application("Bob Li", "E10000002"), "APPROVE", 2, report)
    merchant_id = None
    try:
        await _kyc(principal, shop, _application("Jasmine Tea Shop Ltd", "E10000003", business=True), "APPROVE", 3, report)
        merchant = await create_merchant(principal=principal, customer_id=shop, display_name="Jasmine Tea Shop",
                                         mcc="5814", city="Hangzhou", country="CN", settlement_wallet_id=wallets[2].id)
        merchant_id = merchant.id
    except DomainError as refusal:  # no merchant: the history runs without merchant payments
        report.refused[refusal.code] = report.refused.get(refusal.code, 0) + 1
    for ref, name, decision, id_number in (("carol-005", "Carol Zhao", "REJECT", "E20000005"),
                                           ("dave-006", "Dave Sun", None, "E20000006")):
        customer = await create_customer(principal=principal, external_ref=f"{ref}-{run_id}"[:64], kind="INDIVIDUAL",
                                         display_name=name, email=f"{ref}@example.com", country="CN")
        await open_wallet(principal=principal, customer_id=customer.id, currency="CNY")
        await _kyc(principal, customer.id, _application(name, id_number), decision, None, report)
    moment = _day_moment(start, 0)
    customer_ids = [alice, bob, shop]
    await of_tenant(Customer, principal.partner_id).filter(created_at__gte=since).update(created_at=moment)
    await Customer.filter(id__in=customer_ids).update(created_at=moment)
    await of_tenant(Wallet, principal.partner_id).update(created_at=moment)
    await of_tenant(KycSubmission, principal.partner_id).filter(submitted_at__gte=since).update(
        submitted_at=moment, reviewed_at=moment + timedelta(hours=3))
    await _backdate_since(principal.partner_id, since, moment)  # type: ignore[arg-type]
    return _Cast(alice=alice, bob=bob, shop=wallets[2].id, alice_wallet=wallets[0].id, bob_wallet=wallets[1].id,
                 merchant=merchant_id)


async def _step(principal: Principal, report: HistoryReport, when: datetime, coro_factory) -> None:  # noqa: ANN001
    """Run one movement on the past moment `when` and date its rows to it; a refusal is counted, not raised."""
    since = _system_now()
    try:
        await coro_factory()
        report.postings += 1
    except DomainError as refusal:
        report.refused[refusal.code] = report.refused.get(refusal.code, 0) + 1
        return
    await _backdate_since(principal.partner_id, since, when)  # type: ignore[arg-type]


def _cny(rng: random.Random, low: int, high: int) -> str:
    """A random CNY amount between low and high yuan, as text with two decimals (integer minor units underneath)."""
    minor = rng.randint(low * 100, high * 100)
    return f"{minor // 100}.{minor % 100:02d}"


async def seed_history(principal: Principal, *, run_id: str, wallet_ids: list[str], days: int = DEFAULT_DAYS,
                       seed: int = 0) -> HistoryReport:
    """Fill `days` past days of daily activity for one demo partner's customers (wallet_ids: alice, bob, tea shop)."""
    report = HistoryReport()
    rng = random.Random(f"{run_id}-{seed}")
    today = now().replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=days)
    with frozen_at(_day_moment(start, 0)) as move:
        cast = await _onboard(principal, run_id, wallet_ids, start, report)
        for offset in range(days):
            day = start + timedelta(days=offset)
            key = f"demo-{run_id}-h{seed}-{offset}"
            minute = rng.randint(0, 60)

            async def at(spacing: int, factory) -> None:  # noqa: ANN001
                """Run one movement `spacing` minutes into the day's activity, with the clock there."""
                when = _day_moment(day, minute + spacing)
                move(when)
                await _step(principal, report, when, factory)

            await at(0, lambda: post_top_up(principal=principal, wallet_id=cast.alice_wallet,
                                            amount=_cny(rng, 150, 400), idempotency_key=f"{key}-top"))
            await at(95, lambda: post_transfer(principal=principal, from_wallet_id=cast.alice_wallet,
                                               to_wallet_id=cast.bob_wallet, amount=_cny(rng, 10, 80),
                                               idempotency_key=f"{key}-send", memo="demo"))
            if cast.merchant is not None:
                await at(240, lambda: _pay(principal, cast, _cny(rng, 12, 60), f"{key}-pay", report))
            if offset % 3 == 2:
                await at(420, lambda: post_withdrawal(principal=principal, wallet_id=cast.bob_wallet,
                                                      amount=_cny(rng, 10, 25), idempotency_key=f"{key}-out"))
            if offset in _LARGE_DAYS:
                await at(600, lambda: post_top_up(principal=principal, wallet_id=cast.shop,
                                                  amount=_LARGE_TOP_UP, idempotency_key=f"{key}-large"))
            report.days += 1
    # Rows were dated back into days the reporting rollups may already hold: those days are read afresh.
    await forget_since(start.date())
    return report


async def _pay(principal: Principal, cast: _Cast, amount: str, key: str, report: HistoryReport) -> None:
    """Alice pays the tea shop through a single-use payment request."""
    request = await create_payment_request(principal=principal, merchant_id=cast.merchant, amount=amount, single_use=True)
    await pay(principal=principal, from_wallet_id=cast.alice_wallet, qr_payload=request.payload, amount=None,
              idempotency_key=key)
    report.merchant_payments += 1
