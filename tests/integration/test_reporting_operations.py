"""services.reporting.operations_reports and schedule: the KYC funnel, AML alerts, support SLA and open
reconciliation exceptions against the rows they count; the job's single run."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta, timezone

from models import ReconciliationException, ReportRolledPeriod, Transaction
from services import clock
from services.kyc.application import DocumentIn, KycApplication
from services.kyc.review import decide_submission
from services.kyc.submission import submit_kyc
from services.reporting import operations_reports
from services.ledger.posting import post_top_up
from services.reporting.rollup import forget_since, last_closed_day
from services.reporting.schedule import roll_once
from services.support import tickets
from tests.integration.aml_support import held_transfer, resolve
from tests.integration.merchant_support import staff
from tests.integration.service_support import holder, new_partner

ANALYST = staff("analyst")
AT = datetime(2033, 3, 3, 9, 0, tzinfo=timezone.utc)  # a day no other test opens tickets on


def _application(n: int) -> KycApplication:
    digest = hashlib.sha256(f"report-{n}".encode()).hexdigest()
    return KycApplication(legal_name="Lin Mei", date_of_birth="1990-06-01", nationality="CN", id_type="passport",
                          id_number=f"E1234{n:04d}", address="1 Tea Road, Hangzhou",
                          documents=[DocumentIn(type="passport", sha256=digest, file_name="id.pdf")])


async def test_the_kyc_funnel_counts_a_partners_submissions_and_their_decisions(database_url):
    partner = await new_partner("funnel")
    people = [await holder(partner, tier=None) for _ in range(4)]
    submitted = [await submit_kyc(principal=partner, customer_id=p.customer_id, application=_application(n))
                 for n, p in enumerate(people)]
    await decide_submission(submission_id=submitted[0].id, decision="APPROVE", tier=2, reviewed_by="test", reason="ok")
    await decide_submission(submission_id=submitted[1].id, decision="REJECT", tier=None, reviewed_by="test", reason="no")
    today = clock.now().date()
    funnel = await operations_reports.report_kyc_funnel(principal=ANALYST, first=today - timedelta(days=1), last=today,
                                                        partner_id=partner.partner_id)
    assert (funnel.submitted, funnel.approved, funnel.rejected, funnel.pending) == (4, 1, 1, 2)
    assert funnel.median_decision_seconds is not None and 0 <= funnel.median_decision_seconds < 600
    earlier = await operations_reports.report_kyc_funnel(principal=ANALYST, first=date(2020, 1, 1), last=date(2020, 1, 2),
                                                         partner_id=partner.partner_id)
    assert (earlier.submitted, earlier.median_decision_seconds) == (0, None)


async def test_aml_alerts_are_grouped_by_rule_severity_and_age(database_url):
    scene, _, _, _, alert = await held_transfer()
    today = clock.now().date()
    lines = await operations_reports.report_aml_alerts(principal=ANALYST, first=today, last=today,
                                                       partner_id=scene.principal.partner_id)
    assert lines and all(line.age_bucket == "UNDER_1_DAY" for line in lines)
    assert sum(line.open for line in lines) == sum(line.total for line in lines) >= 1
    await resolve(alert["id"], "RELEASE")
    after = await operations_reports.report_aml_alerts(principal=ANALYST, first=today, last=today,
                                                       partner_id=scene.principal.partner_id)
    assert sum(line.total for line in after) == sum(line.total for line in lines)
    assert sum(line.open for line in after) == sum(line.open for line in lines) - 1
    with clock.frozen_at(clock.now() + timedelta(days=40)):  # an open alert's age runs on
        later = await operations_reports.report_aml_alerts(principal=ANALYST, first=today, last=today,
                                                           partner_id=scene.principal.partner_id)
    assert {line.age_bucket for line in later if line.open} <= {"OVER_30_DAYS"}


async def test_support_sla_counts_met_breached_and_resolved(database_url):
    partner = await new_partner("sla")
    customer = await holder(partner)

    def opening() -> tickets.TicketOpening:
        return tickets.TicketOpening(customer_id=customer.customer_id, transaction_id=None, category="OTHER",
                                     channel="EMAIL", subject="Question", message="Hello")

    with clock.frozen_at(AT) as move:
        answered = await tickets.open_ticket(principal=partner, opening=opening())
        await tickets.open_ticket(principal=partner, opening=opening())  # never answered
        move(AT + timedelta(hours=1))
        await tickets.reply(principal=staff("support"), ticket_id=answered.id, message="On it")
        move(AT + timedelta(hours=2))
        early = await operations_reports.report_support_sla(principal=ANALYST, first=AT.date(), last=AT.date())
        move(AT + timedelta(days=3))
        late = await operations_reports.report_support_sla(principal=ANALYST, first=AT.date(), last=AT.date())
    assert (early.tickets, early.first_response_met, early.first_response_breached) == (2, 1, 0)
    assert early.median_first_response_seconds == 3600
    assert (late.tickets, late.first_response_met, late.first_response_breached, late.resolved) == (2, 1, 1, 0)


async def test_open_reconciliation_exceptions_are_counted_per_rail_and_kind(database_url):
    when = clock.now() - timedelta(hours=5)
    await ReconciliationException.create(rail="REPORTRAIL", kind="AMOUNT_MISMATCH", detail="test", created_at=when,
                                         open_key=f"report-test-{when.timestamp()}")
    await ReconciliationException.create(rail="REPORTRAIL", kind="AMOUNT_MISMATCH", detail="test resolved",
                                         created_at=when - timedelta(days=3), status="RESOLVED")
    lines = await operations_reports.report_reconciliation_open(principal=ANALYST)
    mine = [line for line in lines if line.rail == "REPORTRAIL"]
    assert [(line.kind, line.open) for line in mine] == [("AMOUNT_MISMATCH", 1)]
    assert 5 * 3600 - 5 <= mine[0].oldest_age_seconds <= 5 * 3600 + 120
    assert sum(line.open for line in lines) == await ReconciliationException.filter(status="OPEN").count()


async def test_one_run_of_the_job_rolls_every_closed_day_and_a_second_run_has_nothing_to_do(database_url):
    partner = await new_partner("job")
    person = await holder(partner)
    top_up = await post_top_up(principal=partner, wallet_id=person.wallet_id, amount="2.00", idempotency_key="job")
    day = last_closed_day(clock.now()) - timedelta(days=1)
    await Transaction.filter(id=top_up.id).update(created_at=datetime.combine(day, time(12), tzinfo=timezone.utc))
    await forget_since(day)
    first = await roll_once()
    assert first.days >= 2  # that day and every closed day after it
    assert await ReportRolledPeriod.exists(period=str(day))
    assert await ReportRolledPeriod.exists(period=str(last_closed_day(clock.now())))
    assert not await ReportRolledPeriod.exists(period=str(clock.now().date()))  # today is still open
    again = await roll_once()
    assert again.days == 0
