"""services.event_catalogue: every type versioned and documented; the wire conversion and transaction.posted's payload."""

from __future__ import annotations

import uuid

import pytest

from schema.common.relay import parse_global_id
from schema.events.payload import wire_payload
from schema.events.types import EventData
from services.event_catalogue import CATALOGUE, EVENT_TYPES, PAYLOAD_FIELDS, FieldKind, check_payload
from services.events import INTERNAL_EVENT_TYPES
from services.ledger.announce import posted_payload

ISSUE_12_TYPES = {
    "customer.created", "customer.updated", "kyc.submitted", "kyc.approved", "kyc.rejected", "kyc.needs_info",
    "wallet.opened", "wallet.frozen", "wallet.unfrozen", "wallet.closed", "transaction.posted", "transaction.held",
    "transaction.released", "transaction.rejected", "transaction.reversed", "fee_rule.changed",
}


def test_every_type_the_contract_names_is_catalogued_with_a_version_and_documented_fields():
    assert ISSUE_12_TYPES <= EVENT_TYPES
    for name, entry in CATALOGUE.items():
        assert entry.type == name and entry.version == 1 and entry.description, name
        assert name.count(".") == 1 and name == name.lower(), name
        for field in entry.fields:
            assert field.description, (name, field.name)
            assert (field.kind is FieldKind.ID) == (field.id_type is not None), (name, field.name)
    assert INTERNAL_EVENT_TYPES == {"aml.alert_raised"}


def test_one_payload_name_means_one_thing_in_every_type():
    for entry in CATALOGUE.values():
        for field in entry.fields:
            known = PAYLOAD_FIELDS[field.name]
            assert (known.kind, known.id_type) == (field.kind, field.id_type), field.name


def test_event_data_has_a_typed_field_for_every_payload_field():
    attributes = set(EventData.__annotations__)
    snake = {"".join(f"_{c.lower()}" if c.isupper() else c for c in name) for name in PAYLOAD_FIELDS}
    assert snake <= attributes, snake - attributes


def test_the_writer_refuses_undocumented_or_missing_fields():
    check_payload("wallet.frozen", {"walletId": "x", "customerId": "y"})
    with pytest.raises(ValueError):
        check_payload("wallet.frozen", {"walletId": "x", "customerId": "y", "displayName": "Ann"})
    with pytest.raises(ValueError):
        check_payload("wallet.frozen", {"walletId": "x"})


def test_posted_payload_carries_money_and_raw_ids_that_the_wire_makes_global():
    txn, source = uuid.uuid4(), uuid.uuid4()
    payload = posted_payload(transaction_id=txn, kind="WITHDRAWAL", currency="JPY", amount_minor=1250, fee_minor=5,
                             from_wallet_id=source, to_wallet_id=None)
    check_payload("transaction.posted", payload)
    assert payload["amount"] == {"amount": "1250", "currency": "JPY"} and payload["fee"] == {"amount": "5", "currency": "JPY"}
    wire = wire_payload("transaction.posted", {**payload, "secret": "dropped"})
    assert "secret" not in wire and wire["toWalletId"] is None
    assert parse_global_id(wire["transactionId"]) == ("Transaction", txn)
    assert parse_global_id(wire["fromWalletId"]) == ("Wallet", source)
    data = EventData.of("transaction.posted", payload)
    assert data.amount is not None and data.amount.amount == "1250" and data.kind == "WITHDRAWAL"
    assert data.customer_id is None
