"""services.ledger.rules: the pure checks both posting backends run on the wallets they lock."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from auth.principal import Principal
from models.enums import TransactionKind
from services.db.wallet_rows import LockedWallet
from services.errors import CurrencyMismatch, InsufficientFunds, InvalidAmount, NotFound, WalletNotActive
from services.ledger.request import PostingRequest
from services.ledger.rules import check_customer_token, check_wallets_can_move, common_currency, locked_or_missing
from services.money import MAX_MINOR

ALICE, BOB = uuid.UUID(int=1), uuid.UUID(int=2)
PARTNER = Principal(kind="partner", subject="client", partner_id=uuid.UUID(int=9))
ALICES_TOKEN = Principal(kind="customer", subject="client", partner_id=uuid.UUID(int=9), customer_id=ALICE)
REQ = PostingRequest(operation="transferCreate", kind=TransactionKind.TRANSFER, idempotency_key="k", amount_text="1",
                     from_wallet_id=uuid.UUID(int=100), to_wallet_id=uuid.UUID(int=200), from_field="fromWalletId",
                     to_field="toWalletId")
SOURCE = LockedWallet(uuid.UUID(int=100), ALICE, "ACTIVE", "CNY", account_id=1, balance_minor=1_000, held_minor=200)
TARGET = LockedWallet(uuid.UUID(int=200), BOB, "ACTIVE", "CNY", account_id=2, balance_minor=0, held_minor=0)


def refused(error, call, *args):
    with pytest.raises(error) as caught:
        call(*args)
    return caught.value


def test_a_named_wallet_must_have_been_found():
    locked = {SOURCE.wallet_id: SOURCE}
    assert locked_or_missing(locked, SOURCE.wallet_id, "fromWalletId") is SOURCE
    assert locked_or_missing(locked, None, "toWalletId") is None
    assert refused(NotFound, locked_or_missing, locked, TARGET.wallet_id, "toWalletId").field == ["toWalletId"]


def test_a_customer_token_moves_money_only_out_of_its_own_wallets():
    check_customer_token(ALICES_TOKEN, REQ, SOURCE, TARGET)
    check_customer_token(PARTNER, REQ, replace(SOURCE, customer_id=BOB), TARGET)
    assert refused(NotFound, check_customer_token, ALICES_TOKEN, REQ, replace(SOURCE, customer_id=BOB), TARGET).field == ["fromWalletId"]


def test_only_the_partner_itself_tops_up():
    check_customer_token(PARTNER, REQ, None, TARGET)
    assert refused(NotFound, check_customer_token, ALICES_TOKEN, REQ, None, TARGET).field == ["toWalletId"]


def test_both_wallets_and_the_request_must_agree_on_the_currency():
    assert common_currency(SOURCE, TARGET, None, REQ) == "CNY"
    assert common_currency(None, TARGET, "CNY", REQ) == "CNY"
    error = refused(CurrencyMismatch, common_currency, SOURCE, replace(TARGET, currency="JPY"), None, REQ)
    assert (error.field, error.message) == (["toWalletId"], "cannot transfer CNY to a JPY wallet")
    assert refused(CurrencyMismatch, common_currency, SOURCE, None, "USD", REQ).field == ["currency"]


def test_wallets_that_can_move_pass():
    check_wallets_can_move(SOURCE, TARGET, REQ, {1: -800, 2: 800})  # exactly the available balance (1,000 - 200 held)


@pytest.mark.parametrize("status", ["FROZEN", "CLOSED"])
def test_a_wallet_that_is_not_active_refuses_naming_it(status):
    error = refused(WalletNotActive, check_wallets_can_move, SOURCE, replace(TARGET, status=status), REQ, {})
    assert (error.field, error.message) == (["toWalletId"], f"wallet is {status.lower()}")


def test_held_funds_are_not_available():
    assert refused(InsufficientFunds, check_wallets_can_move, SOURCE, TARGET, REQ, {1: -801, 2: 801}).field == ["fromWalletId"]


def test_a_balance_past_what_the_ledger_can_hold_is_refused():
    full = replace(TARGET, balance_minor=MAX_MINOR - 10)
    check_wallets_can_move(SOURCE, full, REQ, {1: -10, 2: 10})
    assert refused(InvalidAmount, check_wallets_can_move, SOURCE, full, REQ, {1: -11, 2: 11}).field == ["amount"]
