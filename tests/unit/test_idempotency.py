"""Idempotency keys and request fingerprints (services.ledger.idempotency)."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.errors import InvalidAmount, ValidationFailed
from services.ledger.idempotency import MAX_KEY_LENGTH, canonical_amount, check_key, request_hash

PROPERTY = settings(derandomize=True, database=None, max_examples=200, deadline=None)


@pytest.mark.parametrize(
    ("spellings", "canonical"),
    [
        (["12.5", "12.50", "012.500", " 12.50 ", "0012.5000"], "12.5"),
        (["12", "12.0", "012", "12.000"], "12"),
        (["0.5", "00.50", "0.500"], "0.5"),
        (["0.01", "000.010"], "0.01"),
        (["100", "100.00"], "100"),
    ],
)
def test_equal_amounts_have_one_canonical_spelling(spellings, canonical):
    assert {canonical_amount(text) for text in spellings} == {canonical}


def test_different_amounts_stay_different():
    assert len({canonical_amount(t) for t in ["1", "10", "0.1", "1.01", "1.1", "11"]}) == 6


@pytest.mark.parametrize("text", ["", " ", "abc", "-1", "+1", "1e3", "1.2.3", "1,5", "1" * 41, "NaN"])
def test_canonical_amount_refuses_what_is_not_a_decimal(text):
    with pytest.raises(InvalidAmount):
        canonical_amount(text)


@pytest.mark.parametrize("value", [None, 12, 12.5])
def test_canonical_amount_refuses_non_strings(value):
    with pytest.raises(InvalidAmount):
        canonical_amount(value)  # type: ignore[arg-type]


@PROPERTY
@given(
    whole=st.integers(min_value=0, max_value=10**9),
    frac=st.text(alphabet="0123456789", max_size=5),
    lead=st.integers(min_value=0, max_value=3),
    trail=st.integers(min_value=0, max_value=3),
)
def test_padding_with_zeros_never_changes_the_canonical_amount(whole, frac, lead, trail):
    plain = f"{whole}.{frac}" if frac else str(whole)
    padded = "0" * lead + str(whole) + "." + frac + "0" * trail if (frac or trail) else "0" * lead + str(whole)
    assert canonical_amount(padded) == canonical_amount(plain)


@pytest.mark.parametrize("key", ["a", "order-2026-0001", "x" * MAX_KEY_LENGTH, "!~{}[]|", "550e8400-e29b-41d4-a716-446655440000"])
def test_valid_keys_are_returned_unchanged(key):
    assert check_key(key) == key


@pytest.mark.parametrize(
    "key",
    ["", "x" * (MAX_KEY_LENGTH + 1), "has space", " lead", "tab\tkey", "new\nline", "键", "café", "\x00", None, 12],
)
def test_invalid_keys_are_refused_on_the_idempotency_key_field(key):
    with pytest.raises(ValidationFailed) as caught:
        check_key(key)  # type: ignore[arg-type]
    assert caught.value.field == ["idempotencyKey"]


def test_max_key_length_is_255():
    assert MAX_KEY_LENGTH == 255


def test_request_hash_is_a_pinned_sha256_of_canonical_json():
    # Stored hashes must still match after an upgrade: pin the exact format.
    wallet = uuid.UUID("01900000-0000-7000-8000-000000000001")
    payload = {"from": None, "to": wallet, "amount": "12.5", "memo": None, "currency": None}
    body = '{"amount":"12.5","currency":null,"from":null,"memo":null,"op":"walletTopUp","to":"%s"}' % wallet
    assert request_hash("walletTopUp", payload) == hashlib.sha256(body.encode()).hexdigest()


def test_request_hash_ignores_key_order_and_is_repeatable():
    a = request_hash("transferCreate", {"from": "w1", "to": "w2", "amount": "5", "memo": "hi"})
    b = request_hash("transferCreate", {"memo": "hi", "amount": "5", "to": "w2", "from": "w1"})
    assert a == b == request_hash("transferCreate", {"from": "w1", "to": "w2", "amount": "5", "memo": "hi"})
    assert len(a) == 64 and int(a, 16) >= 0


@pytest.mark.parametrize(
    "changed",
    [
        {"amount": "5.01"},
        {"to": "w3"},
        {"from": "w3"},
        {"memo": "hello"},
        {"memo": None},
        {"currency": "CNY"},
    ],
)
def test_request_hash_changes_with_any_input(changed):
    base = {"from": "w1", "to": "w2", "amount": "5", "memo": "hi"}
    assert request_hash("transferCreate", base) != request_hash("transferCreate", {**base, **changed})


def test_request_hash_depends_on_the_operation():
    payload = {"from": None, "to": "w1", "amount": "5", "memo": None, "currency": None}
    assert request_hash("walletTopUp", payload) != request_hash("withdrawalCreate", payload)
