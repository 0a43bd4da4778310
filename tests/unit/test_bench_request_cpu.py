"""bench/request_cpu: the payment kind sends paymentCreate as bench/transfers.py --payments does, counts only a payment
that came back as a success, and --kinds names only kinds the bench has."""

from __future__ import annotations

import json
import random

import pytest

from bench import request_cpu
from bench.transfer_bench.payments import PAYMENT_MUTATION

WALLETS = ["V2FsbGV0OjE=", "V2FsbGV0OjI=", "V2FsbGV0OjM="]
CODES = ["000201010211...6304ABCD", "000201010211...6304DCBA"]


def test_a_payment_request_pays_one_of_the_codes_from_one_of_the_wallets():
    path, body, headers = request_cpu._request("payment", "tok", WALLETS, random.Random(7), "key-1", CODES)
    document = json.loads(body)
    assert path == "/graphql" and headers["authorization"] == "Bearer tok"
    assert document["query"] == PAYMENT_MUTATION
    paying = document["variables"]["input"]
    assert paying["fromWalletId"] in WALLETS and paying["qrPayload"] in CODES
    assert paying["idempotencyKey"] == "key-1" and paying["amount"].startswith("0.")


def test_the_payment_kind_needs_codes():
    with pytest.raises(AssertionError):
        request_cpu._request("payment", "tok", WALLETS, random.Random(7), "key-1")


@pytest.mark.parametrize(("document", "counted"), [
    ({"data": {"paymentCreate": {"payment": {"id": "UGF5bWVudDox"}, "userErrors": []}}}, True),
    ({"data": {"paymentCreate": {"payment": None, "userErrors": [{"code": "INSUFFICIENT_FUNDS"}]}}}, False),
    ({"data": {"transferCreate": {"transaction": {"id": "VHJhbnNhY3Rpb246MQ=="}, "userErrors": []}}}, False),
    ({"errors": [{"message": "boom"}], "data": None}, False),
])
def test_only_a_paid_payment_counts(document, counted):
    assert request_cpu._succeeded("payment", 200, json.dumps(document).encode()) is counted


def test_kinds_are_checked_and_kept_in_the_table_order():
    args = request_cpu.parse_args(["--database-url", "postgres://x", "--kinds", "payment,graphql"])
    assert args.kinds == ["graphql", "payment"]
    assert request_cpu.parse_args(["--database-url", "postgres://x"]).kinds == list(request_cpu.KINDS)
    with pytest.raises(SystemExit):
        request_cpu.parse_args(["--database-url", "postgres://x", "--kinds", "graphql,payments"])
