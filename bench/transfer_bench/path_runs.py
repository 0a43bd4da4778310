"""Runs of the other money paths (--all-paths): one client loop, and one operation per path.

Every path is measured by the transfer API run's loop (api_run.run_ops): --clients keep-alive connections, a warm-up,
a measured window, the CPU of each party inside it. What differs is the operation a client repeats, given here as an
api_run.Operation: (connection, random generator, client index, sequence number) -> (units posted, error or None):

  coupon_points  paymentCreate with one of the payer's coupons and 10 points (money_paths.Loyalty): 1 payment
                 (with points=False: the coupon alone)
  conversion     fxQuote then walletConvert between the payer's CNY and USD wallets (two requests): 1 conversion
  batch          transfersCreate with --batch random transfers: --batch transfers (latency is per request)
"""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable

from .api_run import Operation, classify
from .http_client import HttpConnection

COUPON_PAYMENT = (
    "mutation($input: PaymentCreateInput!) { paymentCreate(input: $input) {"
    " payment { id amount { amount currency } } userErrors { code message field } } }"
)
FX_QUOTE = "mutation($input: FxQuoteInput!) { fxQuote(input: $input) { quote { id } userErrors { code message field } } }"
WALLET_CONVERT = (
    "mutation($input: WalletConvertInput!) { walletConvert(input: $input) {"
    " transaction { id } userErrors { code message field } } }"
)
BATCH = ("mutation($input: TransfersCreateInput!) { transfersCreate(input: $input) { results { transaction { id } }"
         " userErrors { code } } }")
POINTS_PER_PAYMENT = 10  # 0.10 CNY at the bench programme's 0.01 a point
OUT_OF_COUPONS = "bench: payer out of coupons"  # the seeded coupons are used up: the client stops


def _post(conn: HttpConnection, token: str, query: str, variables: dict) -> Awaitable[tuple[int, bytes]]:
    """One GraphQL POST on the client's connection."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    return conn.request("POST", "/graphql", body, {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})


def coupon_points(token: str, payers: list[str], coupons: list[list[str]], codes: list[str], program_id: str,
                  tag: str, *, points: bool = True) -> Operation:
    """A payment of 2.00-2.99 to a random merchant's code from a random payer, with one of its coupons (and points)."""
    spend = {"pointsToRedeem": POINTS_PER_PAYMENT, "pointsProgramId": program_id} if points else {}

    async def op(conn: HttpConnection, rnd: random.Random, index: int, seq: int) -> tuple[int, str | None]:
        payer = rnd.randrange(len(payers))
        if not coupons[payer]:
            return 0, OUT_OF_COUPONS
        status, body = await _post(conn, token, COUPON_PAYMENT, {"input": {
            "fromWalletId": payers[payer], "qrPayload": rnd.choice(codes), "amount": f"2.{rnd.randint(0, 99):02d}",
            "idempotencyKey": f"{tag}-c{'p' if points else ''}{index}-{seq}", "couponIds": [coupons[payer].pop()],
            **spend}})
        error = classify(status, body, field="paymentCreate", result="payment")
        return (0, error) if error else (1, None)

    return op


def conversion(token: str, cny: list[str], usd: list[str], tag: str) -> Operation:
    """Sell 1.00-1.99 CNY for USD between one payer's two wallets: a quote, then the conversion at that quote."""

    async def op(conn: HttpConnection, rnd: random.Random, index: int, seq: int) -> tuple[int, str | None]:
        payer = rnd.randrange(len(cny))
        status, body = await _post(conn, token, FX_QUOTE, {"input": {
            "sellCurrency": "CNY", "buyCurrency": "USD", "sellAmount": f"1.{rnd.randint(0, 99):02d}",
            "fromWalletId": cny[payer]}})
        error = classify(status, body, field="fxQuote", result="quote")
        if error:
            return 0, "fxQuote " + error
        quote_id = json.loads(body)["data"]["fxQuote"]["quote"]["id"]
        status, body = await _post(conn, token, WALLET_CONVERT, {"input": {
            "quoteId": quote_id, "fromWalletId": cny[payer], "toWalletId": usd[payer],
            "idempotencyKey": f"{tag}-fx{index}-{seq}"}})
        error = classify(status, body, field="walletConvert", result="transaction")
        return (0, "walletConvert " + error) if error else (1, None)

    return op


def batch_errors(status: int, body: bytes) -> tuple[int, str | None]:
    """(items posted, the first error) of one transfersCreate response."""
    if status != 200:
        return 0, f"HTTP {status}"
    data = json.loads(body)
    if data.get("errors"):
        return 0, "GraphQL " + str((data["errors"][0].get("extensions") or {}).get("code"))
    payload = data["data"]["transfersCreate"]
    if payload["userErrors"]:
        return 0, "userError " + payload["userErrors"][0]["code"]
    posted = sum(1 for r in payload["results"] if r["transaction"])
    return posted, None if posted == len(payload["results"]) else "an item refused"


def batch(token: str, wallets: list[str], size: int, tag: str, payout: bool = False) -> Operation:
    """transfersCreate with `size` transfers of 0.01-0.99 between random distinct wallets, each with its own key
    (payout: every item of client `index` paid by that client's own wallet, to random others)."""

    async def op(conn: HttpConnection, rnd: random.Random, index: int, seq: int) -> tuple[int, str | None]:
        transfers = []
        for item in range(size):
            a, b = rnd.sample(range(len(wallets)), 2)
            if payout:
                a = index % len(wallets)
                b = b if b != a else (a + 1) % len(wallets)
            transfers.append({"fromWalletId": wallets[a], "toWalletId": wallets[b],
                              "amount": f"0.{rnd.randint(1, 99):02d}", "idempotencyKey": f"{tag}-b{index}-{seq}-{item}"})
        status, body = await _post(conn, token, BATCH, {"input": {"transfers": transfers}})
        return batch_errors(status, body)

    return op
