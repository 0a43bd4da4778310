"""services.ledger.request: a posting request's checks that need no database, and its idempotency fingerprint."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from auth.principal import Principal
from models.enums import TransactionKind
from services.errors import InvalidAmount, NotFound, SameWallet, UnsupportedCurrency, ValidationFailed
from services.ledger.idempotency import customer_key
from services.ledger.request import MAX_MEMO_LENGTH, PostingRequest, check_request

PARTNER = Principal(kind="partner", subject="client", partner_id=uuid.UUID(int=1))
CUSTOMER_ID = uuid.UUID(int=77)
CUSTOMER = Principal(kind="customer", subject="client", partner_id=uuid.UUID(int=1), customer_id=CUSTOMER_ID)
A, B = uuid.UUID(int=10), uuid.UUID(int=20)

TRANSFER = PostingRequest(
    operation="transferCreate", kind=TransactionKind.TRANSFER, idempotency_key="key-1", amount_text="12.50",
    from_wallet_id=A, to_wallet_id=B, from_field="fromWalletId", to_field="toWalletId", memo="  lunch ",
    requires_from=True, requires_to=True,
)


def test_the_request_names_its_wallets_payer_first():
    assert TRANSFER.wallet_ids == [A, B]
    assert replace(TRANSFER, from_wallet_id=None).wallet_ids == [B]


def test_a_checked_request_has_its_clean_memo_key_and_a_new_transaction_id():
    checked = check_request(PARTNER, TRANSFER)
    assert (checked.req, checked.key, checked.memo, checked.currency) == (TRANSFER, "key-1", "lunch", None)
    assert checked.transaction_key == "key-1" and checked.shown_key == ""
    assert checked.transaction_id.version == 7
    assert check_request(PARTNER, TRANSFER).transaction_id != checked.transaction_id


def test_the_fingerprint_ignores_how_the_amount_and_memo_are_written_but_not_what_they_are():
    fingerprint = check_request(PARTNER, TRANSFER).fingerprint
    assert check_request(PARTNER, replace(TRANSFER, amount_text="012.5", memo="lunch")).fingerprint == fingerprint
    assert check_request(PARTNER, replace(TRANSFER, idempotency_key="key-2")).fingerprint == fingerprint  # the key is not input
    for changed in (replace(TRANSFER, amount_text="12.51"), replace(TRANSFER, memo="dinner"),
                    replace(TRANSFER, to_wallet_id=uuid.UUID(int=30)), replace(TRANSFER, operation="walletWithdraw"),
                    replace(TRANSFER, currency="CNY")):
        assert check_request(PARTNER, changed).fingerprint != fingerprint


def test_the_currency_is_normalised():
    assert check_request(PARTNER, replace(TRANSFER, currency=" cny ")).currency == "CNY"
    with pytest.raises(UnsupportedCurrency):
        check_request(PARTNER, replace(TRANSFER, currency="XXX"))


def test_a_customer_tokens_key_lives_in_its_own_namespace_but_shows_as_sent():
    checked = check_request(CUSTOMER, TRANSFER)
    assert checked.key == customer_key(CUSTOMER_ID, "key-1") != "key-1"
    assert (checked.shown_key, checked.transaction_key) == ("key-1", "key-1")
    assert checked.fingerprint == check_request(PARTNER, TRANSFER).fingerprint


@pytest.mark.parametrize("changes, error, field", [
    ({"idempotency_key": ""}, ValidationFailed, ["idempotencyKey"]),
    ({"idempotency_key": "with space"}, ValidationFailed, ["idempotencyKey"]),
    ({"amount_text": "-1"}, InvalidAmount, ["amount"]),
    ({"amount_text": "1e3"}, InvalidAmount, ["amount"]),
    ({"memo": "x" * (MAX_MEMO_LENGTH + 1)}, ValidationFailed, ["memo"]),
    ({"from_wallet_id": None}, NotFound, ["fromWalletId"]),
    ({"to_wallet_id": None}, NotFound, ["toWalletId"]),
    ({"to_wallet_id": A}, SameWallet, ["toWalletId"]),
])
def test_bad_input_is_refused_naming_its_field(changes, error, field):
    with pytest.raises(error) as caught:
        check_request(PARTNER, replace(TRANSFER, **changes))
    assert caught.value.field == field


def test_a_kind_that_does_not_require_a_wallet_accepts_its_absence():
    top_up = replace(TRANSFER, operation="walletTopUp", kind=TransactionKind.TOP_UP, from_wallet_id=None,
                     requires_from=False, memo=None)
    assert check_request(PARTNER, top_up).memo is None
