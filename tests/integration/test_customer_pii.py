"""A customer's display name, e-mail and phone are sealed at rest (issue 19 security finding; services.customer_pii)."""

from __future__ import annotations

import pytest
from tortoise import Tortoise

from models import Customer
from services.customer_pii import COLUMNS, open_contact, seal_clear_customers
from services.customer_profile import ProfileChanges, update_customer
from services.customers import create_customer, get_customer
from services.pii import PiiIntegrityError, rotate_data_keys
from tests.factories import next_id
from tests.integration.service_support import new_partner

NAME, EMAIL, PHONE = "Ouyang Xiaoming", "ouyang.xm@example.cn", "+8613900139000"


async def _raw(customer_id) -> dict[str, str | None]:  # noqa: ANN001
    """The stored columns as the database holds them (read with SQL, not through the model)."""
    conn = Tortoise.get_connection("default")
    marker = "$1" if conn.capabilities.dialect == "postgres" else "?"
    rows = await conn.execute_query_dict(
        f"SELECT display_name_enc, email_enc, phone_enc FROM customer WHERE id = {marker}",
        [customer_id if conn.capabilities.dialect == "postgres" else str(customer_id)])
    return rows[0]


async def _customer(partner, **contact):  # noqa: ANN001, ANN003
    values = {"display_name": NAME, "email": EMAIL, "phone": PHONE, **contact}
    return await create_customer(principal=partner, external_ref=next_id("pii-c"), kind="INDIVIDUAL", country="CN",
                                 **values)


async def test_the_database_holds_tokens_and_the_api_the_clear_values(database_url):
    partner = await new_partner("cust-pii")
    record = await _customer(partner)
    assert (record.display_name, record.email, record.phone) == (NAME, EMAIL, PHONE)
    raw = await _raw(record.id)
    for column, value in raw.items():
        assert value.startswith("pii1."), (column, value)
        assert not any(clear in value for clear in (NAME, EMAIL, PHONE, "Ouyang", "139001"))
    again = await get_customer(principal=partner, customer_id=record.id)
    assert (again.display_name, again.email, again.phone) == (NAME, EMAIL, PHONE)
    none = await _customer(partner, email=None, phone=None)
    assert (await _raw(none.id))["email_enc"] is None and (await _raw(none.id))["phone_enc"] is None
    assert (await open_contact(await Customer.get(id=none.id))).email is None


async def test_a_value_moved_to_another_customer_or_column_does_not_open(database_url):
    partner = await new_partner("cust-pii-move")
    one, other = await _customer(partner), await _customer(partner, display_name="Someone Else")
    stored_one, stored_other = await _raw(one.id), await _raw(other.id)
    try:
        await Customer.filter(id=other.id).update(display_name_enc=stored_one["display_name_enc"])
        with pytest.raises(PiiIntegrityError):
            await open_contact(await Customer.get(id=other.id))
        await Customer.filter(id=one.id).update(email_enc=stored_one["phone_enc"])
        with pytest.raises(PiiIntegrityError):
            await open_contact(await Customer.get(id=one.id))
    finally:
        # Put back: a data-key or master-key rotation later in the shared test database reads every row.
        await Customer.filter(id=one.id).update(**stored_one)
        await Customer.filter(id=other.id).update(**stored_other)
    assert (await open_contact(await Customer.get(id=other.id))).display_name == "Someone Else"


async def test_an_update_seals_the_new_value_and_leaves_unchanged_ones_as_stored(database_url):
    partner = await new_partner("cust-pii-upd")
    record = await _customer(partner)
    before = await _raw(record.id)
    updated = await update_customer(principal=partner, customer_id=record.id,
                                    changes=ProfileChanges(email="new.mail@example.cn", phone=PHONE))
    assert (updated.display_name, updated.email, updated.phone) == (NAME, "new.mail@example.cn", PHONE)
    after = await _raw(record.id)
    assert after["email_enc"] != before["email_enc"] and after["email_enc"].startswith("pii1.")
    assert "new.mail" not in after["email_enc"]
    # The same phone and the untouched name are not rewritten (no new token, no change announced).
    assert (after["phone_enc"], after["display_name_enc"]) == (before["phone_enc"], before["display_name_enc"])


async def test_rows_stored_in_clear_before_the_migration_are_read_then_sealed_once(database_url):
    partner = await new_partner("cust-pii-old")
    record = await _customer(partner)
    # As migration 0035 leaves a row written before it: the same columns, clear text.
    await Customer.filter(id=record.id).update(display_name_enc="Old Clear Name", email_enc="old@example.cn",
                                               phone_enc=None)
    contact = await open_contact(await Customer.get(id=record.id))
    assert (contact.display_name, contact.email, contact.phone) == ("Old Clear Name", "old@example.cn", None)
    assert await seal_clear_customers() >= 1
    raw = await _raw(record.id)
    assert raw["display_name_enc"].startswith("pii1.") and raw["email_enc"].startswith("pii1.")
    assert raw["phone_enc"] is None
    contact = await open_contact(await Customer.get(id=record.id))
    assert (contact.display_name, contact.email, contact.phone) == ("Old Clear Name", "old@example.cn", None)
    assert await seal_clear_customers() == 0  # nothing left in clear: a second start seals nothing
    assert await _raw(record.id) == raw


async def test_data_key_rotation_reencrypts_the_customer_columns(database_url):
    partner = await new_partner("cust-pii-rot")
    record = await _customer(partner)
    before = await _raw(record.id)
    new_kid = (await rotate_data_keys()).key_id
    after = await _raw(record.id)
    for column in COLUMNS.values():
        assert after[column].startswith(f"pii1.{new_kid}.") and after[column] != before[column], column
    again = await get_customer(principal=partner, customer_id=record.id)
    assert (again.display_name, again.email, again.phone) == (NAME, EMAIL, PHONE)
