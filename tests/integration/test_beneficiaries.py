"""Beneficiaries on the database: sealed numbers, screening, review, deletion, isolation (services.beneficiaries)."""

from __future__ import annotations

import pytest

from auth.principal import Principal
from models import AuditEvent, Beneficiary, DomainEvent
from services.audit import Actor, AuditNote
from services.beneficiaries import creating, events, queries, records, review
from services.errors import BeneficiaryStateConflict, Forbidden, NotFound
from services.screening.watchlist import forget_index, load_watchlist_csv, remove_watchlists
from tests.integration.cross_border_support import sender, us_beneficiary
from tests.integration.service_support import new_partner

REVIEWER = Principal(kind="staff", subject="staff-funding-reviewer", partner_id=None,
                     scopes=frozenset({"funding:review", "customers:read"}), role="compliance")


async def test_a_beneficiary_is_sealed_masked_and_listed(database_url):
    partner = await new_partner("ben-basic")
    who = await sender(partner, "1.00")
    made = await us_beneficiary(partner, who)
    assert isinstance(made, records.BeneficiaryRecord)
    assert (made.status, made.masked_number, made.bic, made.currency) == ("ACTIVE", "•••• 6789", "CHASUS33", "USD")
    row = await Beneficiary.get(id=made.id)
    assert "123456789" not in row.number_enc and "Main St" not in row.address_enc
    page = await queries.list_beneficiaries(principal=partner, customer_id=who.customer_id)
    assert [b.id for b in page.items] == [made.id]
    event = await DomainEvent.get(type="beneficiary.created", object_id=str(made.id))
    assert event.payload["maskedNumber"] == "•••• 6789" and "name" not in event.payload
    assert events.beneficiary_event is not None and creating.MAX_ADDRESS == 500


async def test_another_partner_cannot_see_or_delete_it(database_url):
    partner, other = await new_partner("ben-own"), await new_partner("ben-other")
    made = await us_beneficiary(partner, await sender(partner, "1.00"))
    with pytest.raises(NotFound):
        await queries.get_beneficiary(principal=other, beneficiary_id=made.id)
    with pytest.raises(NotFound):
        await review.delete_beneficiary(principal=other, beneficiary_id=made.id)
    with pytest.raises(NotFound):
        await us_beneficiary(other, await sender(partner, "1.00"))  # another partner's customer


async def test_a_watchlist_hit_needs_review_and_staff_decide(database_url, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("list_id,name,aliases,date_of_birth,country\nT-XB-BEN,Ivan Sanctionedperson,,,\n", encoding="utf-8")
    await load_watchlist_csv(path)
    forget_index()
    try:
        partner = await new_partner("ben-hit")
        who = await sender(partner, "1.00")
        made = await us_beneficiary(partner, who, name="Ivan Sanctionedperson")
        assert made.status == "NEEDS_REVIEW" and made.screening_score >= 0.9
        assert (await us_beneficiary(partner, who, name="Mary Smith")).status == "ACTIVE"
        note = AuditNote(actor=Actor(kind="staff", id="staff-funding-reviewer"), operation="beneficiaryReview")
        with pytest.raises(Forbidden):  # a partner cannot review
            await review.review_beneficiary(principal=partner, beneficiary_id=made.id, decision="APPROVE",
                                            reason="not him", audit=note)
        approved = await review.review_beneficiary(principal=REVIEWER, beneficiary_id=made.id, decision="APPROVE",
                                                   reason="a different person", audit=note)
        assert approved.status == "ACTIVE" and approved.status_reason == "a different person"
        assert await AuditEvent.filter(operation="beneficiaryReview", object_id=str(made.id)).exists()
        with pytest.raises(BeneficiaryStateConflict):
            await review.review_beneficiary(principal=REVIEWER, beneficiary_id=made.id, decision="REJECT",
                                            reason="changed my mind", audit=note)
        gone = await review.delete_beneficiary(principal=partner, beneficiary_id=made.id)
        assert gone.status == "DELETED"
        with pytest.raises(BeneficiaryStateConflict):
            await review.delete_beneficiary(principal=partner, beneficiary_id=made.id)
        page = await queries.list_beneficiaries(principal=partner, customer_id=who.customer_id)
        assert made.id not in [b.id for b in page.items]
    finally:
        await remove_watchlists(["T-XB-BEN"])
        forget_index()
