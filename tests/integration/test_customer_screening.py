"""Screening customers: a listed name is held with one alert and two events; an ordinary name is left alone.

The list loaded here has an id of its own and fictional names no other test
uses, and is removed after every test.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
import pytest_asyncio
from tortoise.transactions import in_transaction

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import AmlAlert, Customer, DomainEvent, WatchlistEntry
from models.enums import ScreeningStatus
from services.customer_pii import open_contact
from services.aml.evidence import evidence
from services.change_feed import subscribe
from services.compliance.standing_channel import CHANNEL as STANDING_CHANNEL
from services.customers import create_customer
from services.errors import ValidationFailed
from services.partners.onboarding import create_partner
from services.screening.customer_screening import screen_customer
from services.screening.watchlist import load_watchlist_csv, remove_watchlists

LISTED = "Ottokar Vrzalinsky-Brummholt"  # born 1961-02-03, AT
COMPANY = "Quelvarra Ostmarine Bunkering LLC"
standing_announcements: list[str] = []
subscribe(STANDING_CHANNEL, lambda: standing_announcements.append("standing"))


@pytest_asyncio.fixture
async def listed(database_url, tmp_path: Path) -> AsyncIterator[dict[str, int | str]]:
    """A list of two fictional entries; yields {"listId", name: entry id}; removed afterwards."""
    list_id = f"T-SCREEN-{secrets.token_hex(4)}"
    path = tmp_path / "list.csv"
    path.write_text(
        "list_id,name,aliases,date_of_birth,country\n"
        f"{list_id},{LISTED},Оттокар Врзалинский;Otokar Wrzalinski Brummholt,1961-02-03,AT\n"
        f"{list_id},{COMPANY},Quelvara Ostmarine,,PA\n",
        encoding="utf-8",
    )
    await load_watchlist_csv(path)
    ids = dict(await WatchlistEntry.filter(list_id=list_id).values_list("name", "id"))
    try:
        yield {"listId": list_id, **ids}
    finally:
        await remove_watchlists([list_id])


async def new_principal() -> Principal:
    created = await create_partner(name=f"screening-{secrets.token_hex(3)}")
    return Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                     scopes=frozenset(PARTNER_SCOPES))


async def onboard(principal: Principal, display_name: str, *, kind: str = "INDIVIDUAL", country: str = "AT") -> Customer:
    """A new customer, as its stored row (screening works on rows inside a transaction)."""
    record = await create_customer(principal=principal, external_ref=f"scr-{secrets.token_hex(4)}", kind=kind,
                                   display_name=display_name, country=country)
    return await Customer.get(id=record.id)


async def events_about(*object_ids: object) -> list[tuple[str, str]]:
    rows = await DomainEvent.filter(object_id__in=[str(i) for i in object_ids]).exclude(type="customer.created").order_by("id").values_list(
        "type", "object_id")
    return [(t, o) for t, o in rows]


async def test_a_listed_name_is_held_at_creation_with_one_alert_and_two_events(listed):
    principal = await new_principal()
    announced = len(standing_announcements)
    customer = await onboard(principal, "OTOKAR VRZALINSKI Brummholt")  # a respelling of the listed name

    assert (await Customer.get(id=customer.id)).screening_status == ScreeningStatus.HOLD
    alerts = await AmlAlert.filter(customer_id=customer.id)
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.partner_id, alert.rule, alert.severity, alert.action, alert.status) == (
        principal.partner_id, "SANCTIONS_SCREENING", "HIGH", "HOLD", "OPEN")
    details = alert.details
    assert set(details) == {"listId", "entryId", "score", "matchedName", "screenedAt"}
    assert (details["listId"], details["entryId"]) == (listed["listId"], listed[LISTED])
    assert isinstance(details["score"], int) and 8800 <= details["score"] <= 10000
    assert details["matchedName"] in (LISTED, "Otokar Wrzalinski Brummholt")  # the list's spelling, not the customer's
    assert datetime.fromisoformat(details["screenedAt"]).tzinfo is not None
    assert "VRZALINSKI" not in str(details)
    # Every key is named typed evidence; the score shows on the threshold's scale, 0 to 1.
    typed = {item.name: item for item in evidence(details, None)}
    assert list(typed) == ["LIST_ID", "ENTRY_ID", "MATCHED_NAME", "MATCH_SCORE", "SCREENED_AT"]
    assert typed["MATCH_SCORE"].score == details["score"] / 10_000 and 0.88 <= typed["MATCH_SCORE"].score <= 1

    assert await events_about(customer.id, alert.id) == [("aml.alert_raised", str(alert.id)), ("customer.held", str(customer.id))]
    held = await DomainEvent.get(type="customer.held", object_id=str(customer.id))
    # The partner's event says the customer waits for review, not why (no alert, no rule: no tipping off).
    assert held.partner_id == principal.partner_id and held.payload == {"customerId": str(customer.id)}
    raised = await DomainEvent.get(type="aml.alert_raised", object_id=str(alert.id))
    assert raised.partner_id is None and raised.payload["partnerId"] == str(principal.partner_id)  # the bank's own
    assert len(standing_announcements) > announced  # remembered standings forgotten after the commit


async def test_a_listed_company_is_held_too(listed):
    customer = await onboard(await new_principal(), "Quelvarra Ostmarine Bunkering Ltd.", kind="BUSINESS", country="PA")
    assert (await Customer.get(id=customer.id)).screening_status == ScreeningStatus.HOLD
    assert [a.details["entryId"] for a in await AmlAlert.filter(customer_id=customer.id)] == [listed[COMPANY]]


async def test_an_ordinary_name_stays_clear_and_nothing_is_written(listed):
    principal = await new_principal()
    announced = len(standing_announcements)
    customers = [await onboard(principal, name) for name in ("Ottokar Brenner", "Anna Vrzalova", "Maria Garcia")]
    for customer in customers:
        assert (await Customer.get(id=customer.id)).screening_status == ScreeningStatus.CLEAR
    assert not await AmlAlert.filter(customer_id__in=[c.id for c in customers]).exists()
    assert await events_about(*(c.id for c in customers)) == []
    assert len(standing_announcements) == announced


async def test_the_summary_has_no_names_and_screening_again_adds_nothing(listed):
    customer = await onboard(await new_principal(), "Hedwig Pranckh")
    for _ in range(2):  # a second KYC party, or a resubmission, against the same entry
        async with in_transaction() as conn:
            summary = await screen_customer(customer=customer, name="Ottokar Vrzalinsky Brummholt",
                                            date_of_birth="1961-02-03", country="AT", using_db=conn)
        assert summary == {"hit": True, "score": 10000, "listId": listed["listId"], "entryId": listed[LISTED]}
    assert (await Customer.get(id=customer.id)).screening_status == ScreeningStatus.HOLD
    assert await AmlAlert.filter(customer_id=customer.id).count() == 1
    assert [t for t, _ in await events_about(customer.id)] == ["customer.held"]


async def test_a_near_name_born_another_year_is_not_a_hit(listed):
    customer = await onboard(await new_principal(), "Hedwig Pranckh")
    async with in_transaction() as conn:
        summary = await screen_customer(customer=customer, name="Otokar Vrzalinski Brummholt",
                                        date_of_birth="1990-06-01", country="DE", using_db=conn)
    assert summary["hit"] is False and summary["listId"] is None and summary["entryId"] is None
    assert 0 <= summary["score"] < 8800
    assert (await Customer.get(id=customer.id)).screening_status == ScreeningStatus.CLEAR
    assert not await AmlAlert.filter(customer_id=customer.id).exists()


async def test_a_blocked_customer_is_not_held_again(listed):
    customer = await onboard(await new_principal(), "Hedwig Pranckh")
    await Customer.filter(id=customer.id).update(screening_status=ScreeningStatus.BLOCKED)
    customer = await Customer.get(id=customer.id)
    async with in_transaction() as conn:
        summary = await screen_customer(customer=customer, name=LISTED, date_of_birth=None, country=None, using_db=conn)
    assert summary["hit"] is True
    assert (await Customer.get(id=customer.id)).screening_status == ScreeningStatus.BLOCKED
    assert not await AmlAlert.filter(customer_id=customer.id).exists()


async def test_a_hold_rolls_back_with_the_callers_transaction(listed):
    customer = await onboard(await new_principal(), "Hedwig Pranckh")
    try:
        async with in_transaction() as conn:
            await screen_customer(customer=customer, name=LISTED, date_of_birth=None, country=None, using_db=conn)
            raise RuntimeError("the caller fails after screening")
    except RuntimeError:
        pass
    assert (await Customer.get(id=customer.id)).screening_status == ScreeningStatus.CLEAR
    assert not await AmlAlert.filter(customer_id=customer.id).exists()
    assert await events_about(customer.id) == []


async def test_with_no_list_loaded_screening_answers_none(database_url):
    if await WatchlistEntry.exists():
        return  # another test's list is loaded in this shared database: nothing to say about an empty one
    customer = await onboard(await new_principal(), "Ottokar Vrzalinsky-Brummholt")
    assert (await Customer.get(id=customer.id)).screening_status == ScreeningStatus.CLEAR
    async with in_transaction() as conn:
        assert await screen_customer(customer=customer, name=LISTED, date_of_birth=None, country=None, using_db=conn) is None


async def test_a_listed_name_in_full_width_letters_is_still_held_and_invisible_tricks_are_refused(listed):
    """Issue 19: names are NFKC-normalised before screening, and invisible or bidi characters refused outright."""
    principal = await new_principal()
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in LISTED)
    customer = await onboard(principal, wide)
    assert (await open_contact(customer)).display_name == LISTED  # stored (sealed) as the plain name
    assert (await Customer.get(id=customer.id)).screening_status == ScreeningStatus.HOLD
    before = await Customer.filter(partner_id=principal.partner_id).count()
    for hidden in (LISTED.replace(" ", "\u200b "), "\u202e" + LISTED[::-1]):
        with pytest.raises(ValidationFailed):
            await onboard(principal, hidden)
    assert await Customer.filter(partner_id=principal.partner_id).count() == before
