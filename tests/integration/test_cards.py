"""services.funding cards: Luhn, brand, expiry, processor tokenisation; the number and CVV are stored nowhere."""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import datetime, timezone

import pytest
from tortoise import connections

from models import DomainEvent
from models.funding import Card
from services import clock
from services.errors import CardDeclined, FundingSourceNotUsable, FundingSourceStateConflict, InvalidCard, NotFound
from services.funding import queries
from services.funding.card_linking import link_card, remove_card
from services.funding.usable import usable_card
from tests.integration.merchant_support import customer_token
from tests.integration.service_support import holder, new_partner

VISA = "4111111111111111"
CVV = "737"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


async def _card(partner, owner, **overrides):
    args = {"card_number": VISA, "expiry_month": 12, "expiry_year": 2026, "holder_name": "Holder", "cvv": CVV,
            **overrides}
    with clock.frozen_at(NOW):
        return await link_card(principal=partner, customer_id=owner.customer_id, **args)


async def test_a_card_keeps_only_token_brand_last_four_expiry_and_holder(database_url):
    partner = await new_partner("card-link")
    owner = await holder(partner)
    record = await _card(partner, owner)
    assert (record.brand, record.last_four, record.status) == ("VISA", "1111", "ACTIVE")
    row = await Card.get(id=record.id)
    assert row.processor_token.startswith("tok_sim_")
    event = await DomainEvent.get(type="card.linked", object_id=str(record.id))
    assert event.payload == {"cardId": str(record.id), "customerId": str(owner.customer_id), "brand": "VISA",
                             "lastFour": "1111"}
    assert (await usable_card(customer_token(partner, owner.customer_id), record.id)).id == record.id
    await remove_card(principal=partner, card_id=record.id)
    with pytest.raises(FundingSourceNotUsable):
        await usable_card(partner, record.id)
    with pytest.raises(FundingSourceStateConflict):
        await remove_card(principal=partner, card_id=record.id)
    assert await DomainEvent.filter(type="card.removed", object_id=str(record.id)).count() == 1


@pytest.mark.parametrize("overrides, error", [
    ({"card_number": "4111111111111112"}, InvalidCard),  # Luhn
    ({"card_number": "6011111111111117"}, InvalidCard),  # Discover: not an accepted brand
    ({"expiry_month": 11, "expiry_year": 2026}, InvalidCard),  # expired last month
    ({"card_number": "4000000000000002"}, CardDeclined),  # the simulated processor declines it
])
async def test_bad_cards_are_refused_and_nothing_is_stored(database_url, overrides, error):
    partner = await new_partner("card-bad")
    owner = await holder(partner)
    before = await Card.all().count()
    with pytest.raises(error) as caught:
        await _card(partner, owner, **overrides)
    assert overrides.get("card_number", VISA) not in str(caught.value)
    assert await Card.all().count() == before


@pytest.mark.parametrize("number, brand", [
    ("5555555555554444", "MASTERCARD"), ("2223003122003222", "MASTERCARD"), ("378282246310005", "AMEX"),
    ("6200000000000005", "UNIONPAY"), ("3530111333300000", "JCB"),
])
async def test_brands_come_from_the_bin(database_url, number, brand):
    partner = await new_partner("card-brand")
    owner = await holder(partner)
    assert (await _card(partner, owner, card_number=number)).brand == brand


async def test_another_partner_gets_not_found(database_url):
    partner, other = await new_partner("card-vis"), await new_partner("card-vis2")
    owner = await holder(partner)
    record = await _card(partner, owner)
    for call in (queries.get_card(principal=other, card_id=record.id), usable_card(other, record.id),
                 remove_card(principal=other, card_id=record.id)):
        with pytest.raises(NotFound):
            await call


async def _every_text_in_the_database() -> str:
    """Every value of every table (SQLite: sqlite_master's tables; PostgreSQL: each row as text), as one string."""
    conn = connections.get("default")
    dump = []
    if conn.capabilities.dialect == "sqlite":
        tables = [row["name"] for row in await conn.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in await conn.execute_query_dict(f'SELECT * FROM "{table}"'):
                dump.extend(str(value) for value in row.values())
    else:
        tables = [row["table_name"] for row in await conn.execute_query_dict(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_type = 'BASE TABLE'")]
        for table in tables:
            rows = await conn.execute_query_dict(f'SELECT t::text AS row_text FROM "{table}" t')
            dump.extend(row["row_text"] for row in rows)
    return "\n".join(dump)


async def test_the_card_number_and_cvv_appear_in_no_table_and_no_log_line(database_url, caplog):
    caplog.set_level(logging.DEBUG)
    partner = await new_partner("card-dump")
    owner = await holder(partner)
    number, cvv = "4242424242424242", "9137"
    # Only what this test wrote is searched: the suite shares one database, and a million characters of other
    # tests' ids and amounts hold "424242" or a lone "9137" by chance (a flaky failure seen in CI).
    before = Counter((await _every_text_in_the_database()).split("\n"))
    await _card(partner, owner, card_number=number, cvv=cvv)
    with pytest.raises(CardDeclined):
        await _card(partner, owner, card_number="5105105105105100", cvv=cvv)
    dump = "\n".join((Counter((await _every_text_in_the_database()).split("\n")) - before).elements())
    assert "4242" in dump, "the linked card's own row (its last four) is among what the test searches"
    alone = re.compile(rf"(?<![0-9A-Za-z]){cvv}(?![0-9A-Za-z])")  # the CVV as a value, not inside a random hex id
    assert "424242" not in dump and "510510" not in dump and not alone.search(dump)
    logs = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert number not in logs and "5105105105105100" not in logs and not alone.search(logs)
