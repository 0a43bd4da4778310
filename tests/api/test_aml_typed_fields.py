"""Typed AML alerts over GraphQL (contract 1.1, "typed everything"): ruleName and evidence beside rule and details.

Every alert here is raised by the real rule code: the transaction rules on the posting path (the test-only
packs of tests/integration/aml_support.py, one country per rule) and watchlist screening at customerCreate.
The deprecated rule and details still answer, and the typed fields say the same thing: evidence amounts in
the transaction's currency, the match score from 0 to 1.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from schema.aml.vocabulary import AmlEvidenceName, AmlRule
from schema.common.relay import to_global_id
from services.aml.evidence import EVIDENCE_KEYS
from services.compliance.policy_document import AML_RULE_PARAMETERS
from services.cross_border.transfers import REVIEW_RULE as CROSS_BORDER_RULE
from services.screening.customer_screening import RULE as SCREENING_RULE
from services.screening.watchlist import load_watchlist_csv, remove_watchlists
from tests.api.staff_support import StaffClient, StaffFactory, staff  # noqa: F401 - fixture
from tests.factories import ApiClientFactory, GraphQLClient
from tests.integration.aml_support import Party, move_into_the_past, new_scene

EVIDENCE = "evidence { name value amount { amount currency } quantity time score }"
ALERTS = (
    "query($c: ID) { amlAlerts(customerId: $c, first: 20) { nodes {"
    f" id rule ruleName severity action details {EVIDENCE} transaction {{ id }} }} }} }}"
)


@pytest.fixture
async def compliance(staff: StaffFactory) -> StaffClient:  # noqa: F811 - the staff fixture
    return await staff("compliance")


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def money(name: str, amount: str) -> dict[str, Any]:
    return {"name": name, "value": amount, "amount": eur(amount), "quantity": None, "time": None, "score": None}


def whole(name: str, n: int) -> dict[str, Any]:
    return {"name": name, "value": str(n), "amount": None, "quantity": n, "time": None, "score": None}


async def _alerts_of(officer: StaffClient, customer_id: str) -> list[dict[str, Any]]:
    return (await officer.ok(ALERTS, {"c": customer_id}))["amlAlerts"]["nodes"]


def _gid(party: Party) -> str:
    return to_global_id("Customer", party.customer_id)


# One scene per transaction rule: (the subject customer, the evidence expected without its times).


async def _large_transaction(partner: GraphQLClient) -> tuple[str, list[dict[str, Any]]]:
    scene = await new_scene("FO", partner)
    payer, payee = await scene.party(fund=["9999.99", "9999.99"]), await scene.party()
    assert (await scene.transfer(payer, payee, "10000.00")).status.value == "HELD"
    return _gid(payer), [money("AMOUNT", "10000.00"), money("THRESHOLD", "10000.00")]


async def _velocity(partner: GraphQLClient) -> tuple[str, list[dict[str, Any]]]:
    scene = await new_scene("GL", partner)
    payer, payee = await scene.party(fund=["100.00"]), await scene.party()
    for _ in range(4):
        assert (await scene.transfer(payer, payee, "1.00")).status.value == "POSTED"
    return _gid(payer), [whole("COUNT", 4), whole("MAX_COUNT", 3), whole("WINDOW_MINUTES", 60)]


async def _structuring(partner: GraphQLClient) -> tuple[str, list[dict[str, Any]]]:
    scene = await new_scene("IM", partner)
    payer, payee = await scene.party(fund=["50000.00"]), await scene.party()
    for amount in ("9000.00", "9999.99"):
        assert (await scene.transfer(payer, payee, amount)).status.value == "POSTED"
    assert (await scene.transfer(payer, payee, "9500.00")).status.value == "HELD"
    return _gid(payer), [money("THRESHOLD", "10000.00"), money("BAND_FROM", "9000.00"), whole("COUNT", 3),
                         whole("WINDOW_HOURS", 24)]


async def _rapid_pass_through(partner: GraphQLClient) -> tuple[str, list[dict[str, Any]]]:
    scene = await new_scene("JE", partner)
    source, sink, mule = await scene.party(fund=["50000.00"]), await scene.party(), await scene.party()
    assert (await scene.transfer(source, mule, "5000.00")).status.value == "POSTED"
    assert (await scene.transfer(mule, sink, "4500.00")).status.value == "HELD"
    return _gid(mule), [money("AMOUNT_IN", "5000.00"), money("AMOUNT_OUT", "4500.00"), whole("WINDOW_MINUTES", 30)]


async def _new_account_high_value(partner: GraphQLClient) -> tuple[str, list[dict[str, Any]]]:
    scene = await new_scene("GG", partner)
    young, payee = await scene.party(fund=["9000.00"]), await scene.party()
    assert (await scene.transfer(young, payee, "5000.00")).status.value == "HELD"
    return _gid(young), [money("AMOUNT", "5000.00"), whole("ACCOUNT_AGE_DAYS", 7), {"name": "OPENED_AT"}]


async def _dormant_reactivation(partner: GraphQLClient) -> tuple[str, list[dict[str, Any]]]:
    scene = await new_scene("AX", partner)
    sleeper = await scene.party()
    await move_into_the_past(wallets=[sleeper.wallet_id], ago=timedelta(days=180, minutes=1))
    assert (await scene.top_up(sleeper, "10.00")).status.value == "POSTED"
    return _gid(sleeper), [whole("DORMANT_DAYS", 180), {"name": "LAST_ACTIVITY_AT"}]


SCENES = {
    "LARGE_TRANSACTION": _large_transaction, "VELOCITY": _velocity, "STRUCTURING": _structuring,
    "RAPID_PASS_THROUGH": _rapid_pass_through, "NEW_ACCOUNT_HIGH_VALUE": _new_account_high_value,
    "DORMANT_REACTIVATION": _dormant_reactivation,
}
TIME_KEYS = {"OPENED_AT": "openedAt", "LAST_ACTIVITY_AT": "lastActivityAt"}


@pytest.mark.parametrize("rule", list(SCENES))
async def test_a_real_alert_answers_its_rule_and_evidence_typed_and_as_before(clients: ApiClientFactory, compliance, rule):
    customer_id, expected = await SCENES[rule](await clients.partner())

    [alert] = await _alerts_of(compliance, customer_id)

    assert (alert["rule"], alert["ruleName"]) == (rule, rule)  # the deprecated string still answers, the same
    evidence = alert["evidence"]
    assert [item["name"] for item in evidence] == [item["name"] for item in expected]
    for item, want in zip(evidence, expected):
        if item["name"] in TIME_KEYS:  # a time the rule read from the database: the one in details, typed
            stored = datetime.fromisoformat(alert["details"][TIME_KEYS[item["name"]]])
            assert datetime.fromisoformat(item["time"]) == stored == datetime.fromisoformat(item["value"])
            assert (item["amount"], item["quantity"], item["score"]) == (None, None, None)
        else:
            assert item == want
    # details (deprecated) keeps its integer minor units; evidence shows the same amounts as Money.
    minor = {k.name: alert["details"][k.key] for k in EVIDENCE_KEYS if k.key in alert["details"] and k.kind == "MONEY"}
    assert {item["name"]: int(item["amount"]["amount"].replace(".", "")) for item in evidence if item["amount"]} == minor
    assert len(evidence) == len(alert["details"])


async def test_a_watchlist_hit_shows_its_match_score_from_0_to_1(clients: ApiClientFactory, compliance, tmp_path: Path):
    listed = "Ysmeralda Quintavalle-Orsk"
    list_id = f"T-TYPED-{secrets.token_hex(4)}"
    csv_file = tmp_path / "list.csv"
    csv_file.write_text(f"list_id,name,aliases,date_of_birth,country\n{list_id},{listed},,,\n", encoding="utf-8")
    await load_watchlist_csv(csv_file)
    try:
        customer = await (await clients.partner()).create_customer(displayName="YSMERALDA Quintavalle Orsk", kyc_tier=None)
    finally:
        await remove_watchlists([list_id])

    [alert] = await _alerts_of(compliance, customer["id"])

    assert (alert["rule"], alert["ruleName"], alert["transaction"]) == ("SANCTIONS_SCREENING", "SANCTIONS_SCREENING", None)
    details, evidence = alert["details"], {item["name"]: item for item in alert["evidence"]}
    assert list(evidence) == ["LIST_ID", "ENTRY_ID", "MATCHED_NAME", "MATCH_SCORE", "SCREENED_AT"]
    assert (evidence["LIST_ID"]["value"], evidence["ENTRY_ID"]["value"], evidence["MATCHED_NAME"]["value"]) == (
        list_id, str(details["entryId"]), listed)
    score = evidence["MATCH_SCORE"]
    assert 0 <= score["score"] <= 1 and score["score"] == details["score"] / 10_000  # details keep basis points
    assert score["value"] == f"{score['score']:.4f}" and score["amount"] is None and score["quantity"] is None
    assert datetime.fromisoformat(evidence["SCREENED_AT"]["time"]) == datetime.fromisoformat(details["screenedAt"])


def test_the_enums_name_every_rule_and_every_evidence_key():
    # The packs' parameterised rules, plus the two raised by a policy list rather than a threshold.
    assert {r.value for r in AmlRule} == set(AML_RULE_PARAMETERS) | {SCREENING_RULE, CROSS_BORDER_RULE}
    assert [n.value for n in AmlEvidenceName] == [k.name for k in EVIDENCE_KEYS]
