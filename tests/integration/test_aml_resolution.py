"""services.aml.resolution: which decisions fit an alert, locking and closing alerts, deciding a customer.

The money side (services.ledger.held) and the two put together
(services.alert_decisions) have their own tests; these call the alert side
directly, inside a transaction that is rolled back when a test only looks.
"""

from __future__ import annotations

import uuid

import pytest
from tortoise.transactions import in_transaction

from models import AmlAlert, Customer, DomainEvent
from models.enums import ScreeningStatus
from services.aml.resolution import close_alerts, decide_customer, lock_open_alert, open_alerts_of_transaction
from services.db.sql import fetch
from services.errors import CaseStateConflict, NotFound, ValidationFailed
from tests.integration.aml_support import OFFICER, held_transfer, new_scene


class Rollback(Exception):
    """Raised to roll a test's transaction back."""


async def test_a_hold_alert_is_released_or_rejected_never_dismissed(database_url):
    *_, alert = await held_transfer()
    async with in_transaction() as conn:
        for decision in ("RELEASE", "REJECT"):
            locked = await lock_open_alert(conn, alert["id"], decision)
            assert (str(locked["id"]).replace("-", ""), locked["status"], locked["action"]) == (alert["id"].hex, "OPEN", "HOLD")
        with pytest.raises(ValidationFailed, match="RELEASE or REJECT"):
            await lock_open_alert(conn, alert["id"], "DISMISS")
        with pytest.raises(ValidationFailed, match="decision is one of RELEASE, REJECT, DISMISS") as caught:
            await lock_open_alert(conn, alert["id"], "ESCALATE")
        assert caught.value.field == ["decision"]


async def test_an_alert_only_rule_is_dismissed_never_released(database_url):
    scene = await new_scene("GL")  # VELOCITY at ALERT: the 4th transfer out in an hour raises it
    payer, payee = await scene.party(fund=["1000.00"]), await scene.party()
    for _ in range(4):
        await scene.transfer(payer, payee, "10.00")
    [alert] = await AmlAlert.filter(partner_id=scene.partner_id)
    async with in_transaction() as conn:
        assert (await lock_open_alert(conn, alert.id, "DISMISS"))["rule"] == "VELOCITY"
        for decision in ("RELEASE", "REJECT"):
            with pytest.raises(ValidationFailed, match="DISMISS it"):
                await lock_open_alert(conn, alert.id, decision)


async def test_an_unknown_alert_is_not_found(database_url):
    async with in_transaction() as conn:
        with pytest.raises(NotFound) as caught:
            await lock_open_alert(conn, uuid.uuid4(), "RELEASE")
    assert caught.value.field == ["alertId"]


async def test_closing_one_alert_closes_every_open_alert_of_its_transaction(database_url):
    # GG's pack has two HOLD rules: one 10,000.00 transfer raises two alerts on one transaction.
    _, _, _, txn, first = await held_transfer("GG")
    with pytest.raises(Rollback):
        async with in_transaction() as conn:
            closing = await open_alerts_of_transaction(conn, txn.id)
            assert len(closing) == 2 and first["id"] in closing
            await close_alerts(conn, principal=OFFICER, alert_id=first["id"], closing=closing, decision="REJECT",
                               reason="no source of funds")
            rows = await fetch(conn, "SELECT id, status, resolved_by, resolution_reason, resolved_at FROM aml_alert"
                                     " WHERE transaction_id = $1", [txn.id])
            by_id = {uuid.UUID(str(r["id"])): r for r in rows}
            assert {r["status"] for r in rows} == {"REJECTED"}
            assert {r["resolved_by"] for r in rows} == {OFFICER.subject}
            assert all(r["resolved_at"] is not None for r in rows)
            assert by_id[first["id"]]["resolution_reason"] == "no source of funds"
            [other] = [i for i in closing if i != first["id"]]
            assert by_id[other]["resolution_reason"] == f"resolved with alert {first['id']}: no source of funds"
            assert await open_alerts_of_transaction(conn, txn.id) == []
            with pytest.raises(CaseStateConflict, match="already rejected"):
                await lock_open_alert(conn, first["id"], "RELEASE")
            raise Rollback
    # Rolled back: both alerts are open again.
    assert sorted(a.status for a in await AmlAlert.filter(transaction_id=txn.id)) == ["OPEN", "OPEN"]


async def screening_status(customer_id: uuid.UUID) -> str:
    return (await Customer.get(id=customer_id)).screening_status.value


async def customer_events(partner_id: uuid.UUID, customer_id: uuid.UUID) -> list[str]:
    rows = await DomainEvent.filter(partner_id=partner_id, object_id=str(customer_id)).exclude(type="customer.created").order_by("id")
    return [row.type for row in rows]


async def test_a_confirmed_match_blocks_the_customer_and_a_release_never_unblocks_it(database_url):
    scene = await new_scene("FO")
    party = await scene.party()
    async with in_transaction() as conn:
        await decide_customer(conn, party.customer_id, scene.partner_id, "REJECT", uuid.uuid4())
    assert await screening_status(party.customer_id) == ScreeningStatus.BLOCKED.value
    assert await customer_events(scene.partner_id, party.customer_id) == ["customer.blocked"]
    async with in_transaction() as conn:
        await decide_customer(conn, party.customer_id, scene.partner_id, "RELEASE", uuid.uuid4())
    assert await screening_status(party.customer_id) == ScreeningStatus.BLOCKED.value
    assert await customer_events(scene.partner_id, party.customer_id) == ["customer.blocked"]


async def test_a_false_positive_clears_the_hold_once_no_other_screening_hit_is_open(database_url):
    scene = await new_scene("FO")
    lone, doubled = await scene.party(), await scene.party()
    await Customer.filter(id__in=[lone.customer_id, doubled.customer_id]).update(screening_status=ScreeningStatus.HOLD)
    hits = {}
    for party in (lone, doubled, doubled):
        hit = await AmlAlert.create(partner_id=scene.partner_id, customer_id=party.customer_id, rule="SANCTIONS_SCREENING",
                                    severity="HIGH", action="HOLD", details={})
        hits.setdefault(party.customer_id, []).append(hit.id)
    async with in_transaction() as conn:
        await decide_customer(conn, lone.customer_id, scene.partner_id, "RELEASE", hits[lone.customer_id][0])
        await decide_customer(conn, doubled.customer_id, scene.partner_id, "RELEASE", hits[doubled.customer_id][0])
    assert await screening_status(lone.customer_id) == ScreeningStatus.CLEAR.value
    assert await customer_events(scene.partner_id, lone.customer_id) == ["customer.released"]
    # The second hit on `doubled` is still open: its hold stays, and nothing is announced.
    assert await screening_status(doubled.customer_id) == ScreeningStatus.HOLD.value
    assert await customer_events(scene.partner_id, doubled.customer_id) == []
