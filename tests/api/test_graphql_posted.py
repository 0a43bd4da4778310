"""A JSON POST run on the endpoint's own parse (api/graphql_posted.py) answers exactly what strawberry's view answers.

Each request below is sent twice, once through the direct path and once with it switched off (every request through
strawberry's view, as before), and the two answers must agree: status, body and headers (less the request id).
Only reads and refusals are compared, so that sending a request twice changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import api.graphql_endpoint as endpoint
from api import graphql_posted

VIEWER = "{ viewer { __typename } }"
TRANSFER = ("mutation($input: TransferCreateInput!) { transferCreate(input: $input) {"
            " transaction { id } userErrors { code message field } } }")
SUBSCRIPTION = "subscription { walletActivity { __typename } }"

CASES: list[tuple[str, Any, dict[str, str]]] = [
    ("a read", {"query": VIEWER}, {}),
    ("a read with null variables and extensions", {"query": VIEWER, "variables": None, "extensions": None}, {}),
    ("a named operation", {"query": "query A { viewer { __typename } } query B { viewer { __typename } }",
                           "operationName": "B"}, {}),
    ("an unknown operation name", {"query": "query A { viewer { __typename } }", "operationName": "Z"}, {}),
    ("a syntax error", {"query": "{ viewer { "}, {}),
    ("an unknown field", {"query": "{ viewerr { __typename } }"}, {}),
    ("an empty document", {"query": ""}, {}),
    ("a missing variable", {"query": TRANSFER}, {}),
    ("a badly typed variable", {"query": TRANSFER, "variables": {"input": {"amount": 12}}}, {}),
    ("a refused transfer", {"query": TRANSFER, "variables": {"input": {
        "fromWalletId": "V2FsbGV0OjA=", "toWalletId": "V2FsbGV0OjA=", "amount": "1.00", "idempotencyKey": "posted-1"}}}, {}),
    ("a subscription without a streaming Accept", {"query": SUBSCRIPTION}, {}),
    ("extensions that are not an object", {"query": VIEWER, "extensions": [1]}, {}),
    ("a charset in the content type", {"query": VIEWER}, {"content-type": "application/json; charset=utf-8"}),
    ("no content type", {"query": VIEWER}, {"content-type": ""}),
    ("an event-stream Accept", {"query": VIEWER}, {"accept": "text/event-stream"}),
    ("a subscription with an event-stream Accept", {"query": SUBSCRIPTION}, {"accept": "text/event-stream"}),
    ("a subscription with a multipart Accept", {"query": SUBSCRIPTION},
     {"accept": 'multipart/mixed;subscriptionSpec="1.0"'}),
    ("graphql+json", {"query": VIEWER}, {"content-type": "application/graphql+json"}),
]


async def _answer(http, token: str, body: Any, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
    sent = {"Authorization": f"Bearer {token}", "content-type": "application/json", **headers}
    response = await http.post("/graphql", content=json.dumps(body).encode(), headers=sent)
    kept = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "content-length")}
    try:
        document: Any = response.json()
    except ValueError:
        document = response.text
    if isinstance(document, dict):
        for error in document.get("errors") or []:
            (error.get("extensions") or {}).pop("requestId", None)
    return response.status_code, document, kept


@pytest.mark.parametrize("name, body, headers", CASES, ids=[case[0] for case in CASES])
async def test_the_direct_path_answers_what_strawberrys_view_answers(http, clients, monkeypatch, name, body, headers):
    partner = await clients.partner()
    direct = await _answer(http, partner.token, body, headers)
    monkeypatch.setattr(endpoint, "runs_directly", lambda *args: False)
    through_view = await _answer(http, partner.token, body, headers)
    assert direct == through_view, name


async def test_a_plain_json_post_takes_the_direct_path_and_others_do_not(http, clients, monkeypatch):
    partner = await clients.partner()
    taken: list[bool] = []
    real = graphql_posted.runs_directly

    def spy(*args: Any) -> bool:
        taken.append(real(*args))
        return taken[-1]

    monkeypatch.setattr(endpoint, "runs_directly", spy)
    await _answer(http, partner.token, {"query": VIEWER}, {})
    await _answer(http, partner.token, {"query": VIEWER}, {"accept": "text/event-stream"})
    await _answer(http, partner.token, {"query": VIEWER}, {"accept": "multipart/mixed;subscriptionSpec=\"1.0\""})
    await _answer(http, partner.token, {"query": VIEWER, "extensions": "x"}, {})
    await _answer(http, partner.token, {"query": VIEWER}, {"content-type": "application/graphql+json"})
    # The view streams over HTTP only for the protocols it is given, and it is given graphql-transport-ws alone
    # (api/graphql_endpoint.py): it would stream neither of these, so they run directly too.
    assert taken == [True, True, True, False, False]


async def test_a_mutation_runs_once_on_the_direct_path(http, clients):
    partner = await clients.partner()
    source = await partner.open_wallet()
    target = await partner.open_wallet()
    assert (await partner.top_up(source["id"], "5.00"))["userErrors"] == []
    variables = {"input": {"fromWalletId": source["id"], "toWalletId": target["id"], "amount": "1.25",
                           "idempotencyKey": "posted-once"}}
    first = await partner.ok(TRANSFER, variables)
    again = await partner.ok(TRANSFER, variables)  # the same key: the same transaction, not a second one
    assert first["transferCreate"]["transaction"]["id"] == again["transferCreate"]["transaction"]["id"]
    balances = await partner.ok("query($ids: [ID!]!) { nodes(ids: $ids) { ... on Wallet { balance { amount } } } }",
                                {"ids": [source["id"], target["id"]]})
    assert [node["balance"]["amount"] for node in balances["nodes"]] == ["3.75", "1.25"]
