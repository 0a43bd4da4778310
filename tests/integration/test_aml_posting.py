"""The AML rules on the real posting path, and compliance's decisions on what they held (both backends).

Each rule is tested under its own test-only policy pack, for a country no
other test uses (FO, GL, IM, JE, GG, AX), with a known large-transaction
threshold of 10,000.00 EUR, generous tier limits and only the rule(s) under
test enabled. Every scene is a new partner with a fixed 1.50 EUR transfer fee
of its own, so a held transfer reserves amount + fee. Time-based rules are
tested by moving rows into the past (wallet.created_at,
ledger_transaction.created_at), never by sleeping.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from tortoise import connections

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from tortoise.expressions import Q

from services.events import INTERNAL_EVENT_TYPES
from models import AmlAlert, CompliancePolicy, Customer, DomainEvent, Entry, LimitUsage, Transaction, Wallet
from models.enums import AccountKind
from schema.common.relay import to_global_id
from services.aml import activity as aml_activity
from services.aml.resolution import resolve_alert
from services.compliance.policy_document import check_aml_rules, check_countries, check_thresholds, check_tiers
from services.compliance.standing_channel import announce_standing_changed
from services.customers import create_customer
from services.errors import CaseStateConflict, DomainError, InsufficientFunds, ValidationFailed, WalletNotActive
from services.fees.schedule import create_rule
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.ledger.sql import fetch
from services.ledger.verify import verify_ledger
from services.partners import create_partner
from services.system_accounts import system_account_id
from services.wallets import open_wallet
from tests.conftest import requires_postgres
from tests.factories import ApiClientFactory, GraphQLClient, grant_tier

CURRENCY = "EUR"
THRESHOLD = 1_000_000  # 10,000.00 EUR
FEE = 150  # 1.50 EUR on every transfer of a scene's partner

# Country -> the only rules enabled in its pack.
PACK_RULES: dict[str, dict[str, dict[str, Any]]] = {
    "FO": {"LARGE_TRANSACTION": {"severity": "HIGH", "action": "HOLD"}},
    "GL": {"VELOCITY": {"severity": "MEDIUM", "action": "ALERT", "maxCount": 3, "windowMinutes": 60}},
    "IM": {"STRUCTURING": {"severity": "HIGH", "action": "HOLD", "minCount": 3, "windowHours": 24, "bandBps": 1_000}},
    "JE": {"RAPID_PASS_THROUGH": {"severity": "HIGH", "action": "HOLD", "windowMinutes": 30, "minShareBps": 9_000,
                                  "amountBps": 2_000}},
    # Two HOLD rules, so one transfer can raise two alerts on the same transaction.
    "GG": {"NEW_ACCOUNT_HIGH_VALUE": {"severity": "MEDIUM", "action": "HOLD", "accountAgeDays": 7, "amountBps": 5_000},
           "LARGE_TRANSACTION": {"severity": "HIGH", "action": "HOLD"}},
    "AX": {"DORMANT_REACTIVATION": {"severity": "LOW", "action": "ALERT", "dormantDays": 180}},
}
GENEROUS = {"maxBalance": None, "singleMax": 100_000_000, "daily": 1_000_000_000, "monthly": 1_000_000_000,
            "annual": 10_000_000_000, "lifetime": None}

_packs_ready = False
_scenes = itertools.count(1)
_keys = itertools.count(1)


async def ensure_aml_packs() -> None:
    """One test-only pack per country of PACK_RULES (created once per database)."""
    global _packs_ready
    if _packs_ready:
        return
    for country, rules in PACK_RULES.items():
        jurisdiction = f"QA-AML-{country}"
        if await CompliancePolicy.exists(jurisdiction=jurisdiction):
            continue
        await CompliancePolicy.create(
            jurisdiction=jurisdiction, name=f"Tests: AML rules ({country})", countries=check_countries([country]),
            timezone="UTC", large_transaction_thresholds=check_thresholds({CURRENCY: THRESHOLD}),
            tiers=check_tiers([{"tier": 1, "name": "AML tests", "crossBorder": True, "limits": {CURRENCY: GENEROUS}}]),
            aml_rules=check_aml_rules(rules), updated_by="test:aml",
        )
    await announce_standing_changed()
    _packs_ready = True


@dataclass
class Party:
    customer_id: uuid.UUID
    wallet_id: uuid.UUID
    account_id: int


@dataclass
class Scene:
    principal: Principal
    country: str
    parties: list[Party] = field(default_factory=list)

    @property
    def partner_id(self) -> uuid.UUID:
        assert self.principal.partner_id is not None
        return self.principal.partner_id

    async def party(self, *, fund: Sequence[str] = ()) -> Party:
        """A new customer of the scene's country with a EUR wallet, topped up once per amount in `fund`."""
        n = len(self.parties) + 1
        customer = await create_customer(
            principal=self.principal, external_ref=f"aml-party-{n:02d}", kind="INDIVIDUAL",
            display_name=f"Party {n}", country=self.country,
        )
        await grant_tier(customer.id, 1)
        wallet = await open_wallet(principal=self.principal, customer_id=customer.id, currency=CURRENCY)
        party = Party(customer.id, wallet.id, wallet.account.id)
        self.parties.append(party)
        for amount in fund:
            txn = await self.top_up(party, amount)
            assert (txn.status.value, await open_alerts(self)) == ("POSTED", []), "funding must raise nothing"
        return party

    async def top_up(self, to: Party, amount: str) -> Transaction:
        return await post_top_up(principal=self.principal, wallet_id=to.wallet_id, amount=amount, idempotency_key=key())

    async def transfer(self, src: Party, dst: Party, amount: str) -> Transaction:
        return await post_transfer(principal=self.principal, from_wallet_id=src.wallet_id, to_wallet_id=dst.wallet_id,
                                   amount=amount, idempotency_key=key())

    async def withdraw(self, src: Party, amount: str) -> Transaction:
        return await post_withdrawal(principal=self.principal, wallet_id=src.wallet_id, amount=amount, idempotency_key=key())


def key() -> str:
    return f"aml-{next(_keys):05d}"


async def new_scene(country: str, partner: GraphQLClient | None = None) -> Scene:
    """A new partner (the given API partner, or one made by the service) with its own 1.50 EUR transfer fee."""
    await ensure_aml_packs()
    if partner is None:
        created = await create_partner(name=f"aml-posting-{next(_scenes):04d}")
        partner_id, subject = created.partner.id, created.client.client_id
    else:
        partner_id, subject = uuid.UUID(partner.partner_id), partner.client_id
    principal = Principal(kind="partner", subject=subject, partner_id=partner_id, scopes=frozenset(PARTNER_SCOPES))
    await create_rule(terms={"partner_id": partner_id, "kind": "TRANSFER", "currency": CURRENCY, "fixed_minor": FEE},
                      created_by="test:aml")
    return Scene(principal=principal, country=country)


OFFICER = Principal(kind="staff", subject="staff-aml-officer", partner_id=None, scopes=frozenset({"aml:review"}),
                    role="compliance")


async def resolve(alert_id: uuid.UUID, decision: str, reason: str = "reviewed") -> AmlAlert:
    return await resolve_alert(principal=OFFICER, alert_id=alert_id, decision=decision, reason=reason)


# Reads -------------------------------------------------------------------


async def money(party: Party) -> tuple[int, int]:
    """(balance_minor, held_minor) of the party's wallet account."""
    rows = await fetch(connections.get("default"), "SELECT balance_minor, held_minor FROM account WHERE id = $1",
                       [party.account_id])
    return int(rows[0]["balance_minor"]), int(rows[0]["held_minor"])


async def alerts(scene: Scene) -> list[dict[str, Any]]:
    rows = await AmlAlert.filter(partner_id=scene.partner_id).order_by("created_at", "id").values(
        "id", "rule", "severity", "action", "status", "details", "transaction_id", "customer_id", "wallet_id",
        "resolved_by", "resolution_reason", "partner_id",
    )
    return [{**r, **{k: uuid.UUID(str(r[k])) if r[k] is not None else None
                     for k in ("id", "transaction_id", "customer_id", "wallet_id")}} for r in rows]


async def open_alerts(scene: Scene) -> list[dict[str, Any]]:
    return [a for a in await alerts(scene) if a["status"] == "OPEN"]


async def events(scene: Scene) -> list[dict[str, Any]]:
    """The scene's events in order: the partner's own, and the bank-internal ones (no partner) about it."""
    rows = await DomainEvent.filter(Q(partner_id=scene.partner_id) | Q(partner_id=None)).order_by("id").values(
        "partner_id", "type", "object_type", "object_id", "payload")
    mine = []
    for row in rows:
        internal = row["type"] in INTERNAL_EVENT_TYPES
        # Internal events are never routed to a partner: no partner_id, the partner only in the payload.
        assert (row["partner_id"] is None) == internal, row
        owner = row["payload"].get("partnerId") if internal else str(row["partner_id"])
        if owner == str(scene.partner_id):
            mine.append({k: row[k] for k in ("type", "object_type", "object_id", "payload")})
    return mine


async def entries(transaction_id: uuid.UUID) -> list[tuple[int, int]]:
    return sorted((e.account_id, e.amount_minor) for e in await Entry.filter(transaction_id=transaction_id))  # type: ignore[attr-defined]


async def usage(party: Party) -> dict[str, Any]:
    rows = await LimitUsage.filter(customer_id=party.customer_id, currency=CURRENCY).values(
        "day_out_minor", "month_out_minor", "year_out_minor", "lifetime_out_minor")
    return rows[0] if rows else {}


async def status(transaction_id: uuid.UUID) -> str:
    return (await Transaction.get(id=transaction_id)).status.value


async def snapshot(scene: Scene, transaction_id: uuid.UUID) -> dict[str, Any]:
    """Everything a decision could change: money, statuses, entries, events, alerts and limit usage."""
    txn = await Transaction.get(id=transaction_id)
    return {
        "money": [await money(p) for p in scene.parties],
        "usage": [await usage(p) for p in scene.parties],
        "transaction": (txn.status.value, txn.hold_minor, txn.held_legs),
        "entries": await Entry.filter(partner_id=scene.partner_id).count(),
        "events": await events(scene),
        "alerts": await alerts(scene),
    }


async def move_into_the_past(*, transactions: Sequence[uuid.UUID] = (), wallets: Sequence[uuid.UUID] = (), ago: timedelta) -> datetime:
    when = datetime.now(timezone.utc) - ago
    for txn_id in transactions:
        await Transaction.filter(id=txn_id).update(created_at=when)
    for wallet_id in wallets:
        await Wallet.filter(id=wallet_id).update(created_at=when)
    return when


def alert_raised(alert: dict[str, Any], transaction_id: uuid.UUID) -> dict[str, Any]:
    """The aml.alert_raised event the posting writes for one alert."""
    return {
        "type": "aml.alert_raised", "object_type": "AmlAlert", "object_id": str(alert["id"]),
        "payload": {"alertId": str(alert["id"]), "rule": alert["rule"], "severity": alert["severity"],
                    "action": alert["action"], "transactionId": str(transaction_id), "customerId": str(alert["customer_id"]),
                    "partnerId": str(alert["partner_id"])},
    }


def held_event(transaction_id: uuid.UUID, rules: list[str]) -> dict[str, Any]:
    """transaction.held, as the partner sees it: which rules held it (`rules`) is not said (no tipping off)."""
    return {"type": "transaction.held", "object_type": "Transaction", "object_id": str(transaction_id),
            "payload": {"transactionId": str(transaction_id)}}


def decided_event(kind: str, transaction_id: uuid.UUID, alert_id: uuid.UUID) -> dict[str, Any]:
    """transaction.released / .rejected, as the partner sees it: no alert id."""
    return {"type": f"transaction.{kind}", "object_type": "Transaction", "object_id": str(transaction_id),
            "payload": {"transactionId": str(transaction_id)}}


async def assert_one_alert(scene: Scene, txn: Transaction, subject: Party, rule: str, severity: str, action: str,
                           details: dict[str, Any]) -> dict[str, Any]:
    """Exactly one alert for the scene, as expected, and exactly its domain events."""
    rows = await alerts(scene)
    assert [{k: a[k] for k in ("rule", "severity", "action", "status", "details", "transaction_id", "customer_id",
                               "wallet_id", "resolved_by")} for a in rows] == [{
        "rule": rule, "severity": severity, "action": action, "status": "OPEN", "details": details,
        "transaction_id": txn.id, "customer_id": subject.customer_id, "wallet_id": subject.wallet_id, "resolved_by": None,
    }]
    expected = ([held_event(txn.id, [rule])] if action == "HOLD" else []) + [alert_raised(rows[0], txn.id)]
    assert await events(scene) == expected
    return rows[0]


async def assert_held(scene: Scene, txn: Transaction, payer: Party, payee: Party, before: list[tuple[int, int]]) -> None:
    """HELD: no entries, no balance moved, the payer's amount + fee reserved and the legs kept for release."""
    amount = txn.amount_minor
    fee_account = await system_account_id(AccountKind.FEE_REVENUE, CURRENCY)
    stored = await Transaction.get(id=txn.id)
    assert (txn.status.value, stored.status.value, stored.hold_minor, stored.fee_minor) == ("HELD", "HELD", amount + FEE, FEE)
    assert sorted(map(tuple, stored.held_legs)) == sorted(
        [(payer.account_id, -amount), (payee.account_id, amount), (payer.account_id, -FEE), (fee_account, FEE)])
    assert await entries(txn.id) == []
    (payer_balance, payer_held), (payee_balance, payee_held) = before
    assert await money(payer) == (payer_balance, payer_held + amount + FEE)
    assert await money(payee) == (payee_balance, payee_held)


# Each rule through the posting path ---------------------------------------


async def test_large_transaction_holds_the_transfer_and_reserves_amount_plus_fee(database_url, clients: ApiClientFactory):
    partner = await clients.partner()
    scene = await new_scene("FO", partner)
    payer, payee = await scene.party(fund=["9999.99", "9999.99"]), await scene.party()
    before = [await money(payer), await money(payee)]
    assert before == [(1_999_998, 0), (0, 0)]

    txn = await scene.transfer(payer, payee, "10000.00")

    await assert_held(scene, txn, payer, payee, before)
    await assert_one_alert(scene, txn, payer, "LARGE_TRANSACTION", "HIGH", "HOLD",
                           {"amountMinor": THRESHOLD, "thresholdMinor": THRESHOLD})
    # The partner sees the reservation: balance unchanged, available less amount + fee.
    data = await partner.ok(
        "query($id: ID!) { wallet(id: $id) { balance { amount } availableBalance { amount } } }",
        {"id": to_global_id("Wallet", payer.wallet_id)},
    )
    assert data["wallet"] == {"balance": {"amount": "19999.98"}, "availableBalance": {"amount": "9998.48"}}
    # Limits are consumed when the transaction is held (the amount; the fee is not a payment).
    assert (await usage(payer))["day_out_minor"] == THRESHOLD
    assert (await verify_ledger()).ok


async def test_one_minor_unit_under_the_threshold_posts_without_an_alert(database_url):
    scene = await new_scene("FO")
    payer, payee = await scene.party(fund=["9999.99", "9999.99"]), await scene.party()
    txn = await scene.transfer(payer, payee, "9999.99")
    assert txn.status.value == "POSTED" and len(await entries(txn.id)) == 4
    assert await money(payer) == (1_999_998 - 999_999 - FEE, 0)
    assert await money(payee) == (999_999, 0)
    assert await alerts(scene) == [] and await events(scene) == []


async def test_a_large_top_up_is_held_without_reserving_anything(database_url):
    scene = await new_scene("FO")
    wallet = await scene.party()
    txn = await scene.top_up(wallet, "10000.00")
    stored = await Transaction.get(id=txn.id)
    assert (stored.status.value, stored.hold_minor, await entries(txn.id), await money(wallet)) == ("HELD", 0, [], (0, 0))
    alert = await assert_one_alert(scene, txn, wallet, "LARGE_TRANSACTION", "HIGH", "HOLD",
                                   {"amountMinor": THRESHOLD, "thresholdMinor": THRESHOLD})

    await resolve(alert["id"], "RELEASE")

    settlement = await system_account_id(AccountKind.SETTLEMENT, CURRENCY, create=False)
    assert await status(txn.id) == "POSTED"
    assert await entries(txn.id) == sorted([(settlement, -THRESHOLD), (wallet.account_id, THRESHOLD)])
    assert await money(wallet) == (THRESHOLD, 0)
    assert (await verify_ledger()).ok


async def test_an_alert_only_rule_posts_the_transfer_normally(database_url):
    # VELOCITY at ALERT: at most 3 transfers out in 60 minutes; the 4th raises the alert and still posts.
    scene = await new_scene("GL")
    payer, payee = await scene.party(fund=["1000.00"]), await scene.party()
    for _ in range(3):
        assert (await scene.transfer(payer, payee, "10.00")).status.value == "POSTED"
    assert await alerts(scene) == []

    txn = await scene.transfer(payer, payee, "10.00")

    assert txn.status.value == "POSTED" and (await Transaction.get(id=txn.id)).hold_minor == 0
    fee_account = await system_account_id(AccountKind.FEE_REVENUE, CURRENCY)
    assert await entries(txn.id) == sorted(
        [(payer.account_id, -1_000), (payee.account_id, 1_000), (payer.account_id, -FEE), (fee_account, FEE)])
    assert await money(payer) == (100_000 - 4 * (1_000 + FEE), 0)
    assert await money(payee) == (4_000, 0)
    await assert_one_alert(scene, txn, payer, "VELOCITY", "MEDIUM", "ALERT",
                           {"count": 4, "maxCount": 3, "windowMinutes": 60})
    assert (await verify_ledger()).ok


async def test_velocity_counts_in_a_window_that_restarts_once_it_has_passed(database_url):
    scene = await new_scene("GL")  # VELOCITY: more than 3 outgoing in 60 minutes raises an alert
    payer, payee = await scene.party(fund=["1000.00"]), await scene.party()
    for _ in range(3):
        assert (await scene.transfer(payer, payee, "1.00")).status.value == "POSTED"
    assert await alerts(scene) == []
    # The window opened 61 minutes ago: it has passed, so the count restarts with the next posting.
    await _age_velocity_window(payer, timedelta(minutes=61))
    for _ in range(3):
        assert (await scene.transfer(payer, payee, "1.00")).status.value == "POSTED"
    assert await alerts(scene) == []
    # 59 minutes into the new window, the fourth is over the maximum.
    await _age_velocity_window(payer, timedelta(minutes=59))
    busy = await scene.transfer(payer, payee, "1.00")
    assert busy.status.value == "POSTED"
    await assert_one_alert(scene, busy, payer, "VELOCITY", "MEDIUM", "ALERT",
                           {"count": 4, "maxCount": 3, "windowMinutes": 60})
    row = await LimitUsage.get(customer_id=payer.customer_id, currency=CURRENCY)
    assert row.velocity_count == 4


async def _age_velocity_window(party: Party, ago: timedelta) -> None:
    """Move the party's VELOCITY window start `ago` into the past (the counter lives on the usage row)."""
    await LimitUsage.filter(customer_id=party.customer_id, currency=CURRENCY).update(
        velocity_window_start=datetime.now(timezone.utc) - ago)


async def test_structuring_holds_the_third_amount_just_under_the_threshold(database_url):
    scene = await new_scene("IM")
    payer, payee = await scene.party(fund=["50000.00"]), await scene.party()
    for amount in ("9000.00", "8999.99", "9999.99"):  # in the band, one minor unit under it, in the band
        assert (await scene.transfer(payer, payee, amount)).status.value == "POSTED"
    assert await alerts(scene) == []
    before = [await money(payer), await money(payee)]

    txn = await scene.transfer(payer, payee, "9500.00")

    await assert_held(scene, txn, payer, payee, before)
    await assert_one_alert(scene, txn, payer, "STRUCTURING", "HIGH", "HOLD",
                           {"count": 3, "bandFromMinor": 900_000, "thresholdMinor": THRESHOLD, "windowHours": 24})


async def test_structuring_forgets_amounts_older_than_its_window(database_url):
    scene = await new_scene("IM")
    payer, payee = await scene.party(fund=["50000.00"]), await scene.party()
    first = await scene.transfer(payer, payee, "9500.00")
    await scene.transfer(payer, payee, "9500.00")
    await move_into_the_past(transactions=[first.id], ago=timedelta(hours=24, minutes=1))
    txn = await scene.transfer(payer, payee, "9500.00")
    assert txn.status.value == "POSTED" and await alerts(scene) == []


async def _pass_through(scene: Scene, source: Party, sink: Party, *, out: str, came_in_ago: timedelta | None = None,
                        by_top_up: bool = False) -> tuple[Party, Transaction]:
    """A new wallet receives 5,000.00 (a transfer, or a top-up) and sends `out` on."""
    mule = await scene.party()
    incoming = await (scene.top_up(mule, "5000.00") if by_top_up else scene.transfer(source, mule, "5000.00"))
    assert incoming.status.value == "POSTED"
    if came_in_ago is not None:
        await move_into_the_past(transactions=[incoming.id], ago=came_in_ago)
    return mule, await scene.transfer(mule, sink, out)


async def test_rapid_pass_through_holds_money_that_leaves_as_fast_as_it_came(database_url):
    scene = await new_scene("JE")
    source, sink = await scene.party(fund=["50000.00"]), await scene.party()

    # 90% of 5,000.00 is 4,500.00: one minor unit less passes, also within the window.
    _, under = await _pass_through(scene, source, sink, out="4499.99")
    _, stale = await _pass_through(scene, source, sink, out="4500.00", came_in_ago=timedelta(minutes=31))
    _, topped = await _pass_through(scene, source, sink, out="4500.00", by_top_up=True)
    assert [t.status.value for t in (under, stale, topped)] == ["POSTED"] * 3
    assert await alerts(scene) == []

    mule, txn = await _pass_through(scene, source, sink, out="4500.00", came_in_ago=timedelta(minutes=29))

    assert txn.status.value == "HELD" and (await Transaction.get(id=txn.id)).hold_minor == 450_000 + FEE
    assert await money(mule) == (500_000, 450_000 + FEE) and await entries(txn.id) == []
    await assert_one_alert(scene, txn, mule, "RAPID_PASS_THROUGH", "HIGH", "HOLD",
                           {"inMinor": 500_000, "outMinor": 450_000, "windowMinutes": 30})


async def test_new_account_high_value_holds_a_young_wallet_only(database_url):
    scene = await new_scene("GG")
    payee = await scene.party()
    young = await scene.party(fund=["9000.00", "9000.00"])
    assert (await scene.transfer(young, payee, "4999.99")).status.value == "POSTED"  # one minor unit under 50%
    assert await alerts(scene) == []
    old = await scene.party(fund=["9000.00"])
    almost = await scene.party(fund=["9000.00"])
    await move_into_the_past(wallets=[old.wallet_id], ago=timedelta(days=7, minutes=1))
    await move_into_the_past(wallets=[almost.wallet_id], ago=timedelta(days=7) - timedelta(minutes=1))
    assert (await scene.transfer(old, payee, "5000.00")).status.value == "POSTED"
    assert await alerts(scene) == []
    before = [await money(almost), await money(payee)]

    txn = await scene.transfer(almost, payee, "5000.00")

    await assert_held(scene, txn, almost, payee, before)
    opened_at = (await alerts(scene))[0]["details"]["openedAt"]
    await assert_one_alert(scene, txn, almost, "NEW_ACCOUNT_HIGH_VALUE", "MEDIUM", "HOLD",
                           {"amountMinor": 500_000, "openedAt": opened_at, "accountAgeDays": 7})
    assert datetime.fromisoformat(opened_at) == (await Wallet.get(id=almost.wallet_id)).created_at


async def test_two_hold_rules_on_one_transfer_raise_two_alerts_and_one_held_event(database_url):
    scene = await new_scene("GG")
    payer, payee = await scene.party(fund=["9000.00", "9000.00"]), await scene.party()
    txn = await scene.transfer(payer, payee, "10000.00")
    rows = await alerts(scene)
    assert sorted((a["rule"], a["severity"], a["action"], a["transaction_id"]) for a in rows) == [
        ("LARGE_TRANSACTION", "HIGH", "HOLD", txn.id), ("NEW_ACCOUNT_HIGH_VALUE", "MEDIUM", "HOLD", txn.id),
    ]
    got = await events(scene)
    assert got[0] == held_event(txn.id, ["LARGE_TRANSACTION", "NEW_ACCOUNT_HIGH_VALUE"])
    assert sorted(got[1:], key=lambda e: e["object_id"]) == sorted(
        [alert_raised(a, txn.id) for a in rows], key=lambda e: e["object_id"])
    assert (await Transaction.get(id=txn.id)).hold_minor == THRESHOLD + FEE

    # Deciding one alert decides the transaction and closes the other alert with it.
    await resolve(rows[0]["id"], "REJECT", reason="not our customer's money")
    closed = {a["id"]: (a["status"], a["resolution_reason"]) for a in await alerts(scene)}
    assert closed == {
        rows[0]["id"]: ("REJECTED", "not our customer's money"),
        rows[1]["id"]: ("REJECTED", f"resolved with alert {rows[0]['id']}: not our customer's money"),
    }
    assert await status(txn.id) == "REJECTED" and await money(payer) == (1_800_000, 0)
    with pytest.raises(CaseStateConflict):
        await resolve(rows[1]["id"], "RELEASE")
    assert (await verify_ledger()).ok


def forget_seen_activity(wallet_ids: list[uuid.UUID]) -> None:
    """Make this process forget that it saw these wallets move, as months of real time passing would.

    services.aml.activity remembers when each wallet was last seen active, so
    that a wallet active within the dormancy window needs no query; a test that
    moves rows into the past must drop that memory too.
    """
    seen = getattr(aml_activity, "_last_seen_active", {})
    for wallet_id in wallet_ids:
        seen.pop(wallet_id, None)


async def test_dormant_reactivation_alerts_on_a_wallet_unused_since_it_was_opened(database_url):
    scene = await new_scene("AX")
    sleeper, napper = await scene.party(), await scene.party()
    opened = await move_into_the_past(wallets=[sleeper.wallet_id], ago=timedelta(days=180, minutes=1))
    await move_into_the_past(wallets=[napper.wallet_id], ago=timedelta(days=180) - timedelta(minutes=1))

    assert (await scene.top_up(napper, "10.00")).status.value == "POSTED"
    assert await alerts(scene) == []
    txn = await scene.top_up(sleeper, "10.00")  # money coming in wakes it too

    assert txn.status.value == "POSTED" and len(await entries(txn.id)) == 2
    assert await money(sleeper) == (1_000, 0)
    last = (await alerts(scene))[0]["details"]["lastActivityAt"]
    assert abs(datetime.fromisoformat(last) - opened) < timedelta(seconds=1)
    assert datetime.fromisoformat(last) == (await Wallet.get(id=sleeper.wallet_id)).created_at
    await assert_one_alert(scene, txn, sleeper, "DORMANT_REACTIVATION", "LOW", "ALERT",
                           {"lastActivityAt": last, "dormantDays": 180})


async def test_dormant_reactivation_alerts_on_a_transfer_out_and_posts_it(database_url):
    scene = await new_scene("AX")
    payee = await scene.party()
    sleeper = await scene.party(fund=["1000.00"])
    napper = await scene.party(fund=["1000.00"])
    sleeper_in = (await Transaction.get(to_wallet_id=sleeper.wallet_id)).id
    napper_in = (await Transaction.get(to_wallet_id=napper.wallet_id)).id
    await move_into_the_past(transactions=[sleeper_in], wallets=[sleeper.wallet_id], ago=timedelta(days=180, minutes=1))
    await move_into_the_past(transactions=[napper_in], wallets=[napper.wallet_id], ago=timedelta(days=180) - timedelta(minutes=1))
    forget_seen_activity([sleeper.wallet_id, napper.wallet_id])

    assert (await scene.transfer(napper, payee, "10.00")).status.value == "POSTED"
    assert await alerts(scene) == []
    txn = await scene.transfer(sleeper, payee, "10.00")

    assert txn.status.value == "POSTED" and len(await entries(txn.id)) == 4
    assert await money(sleeper) == (100_000 - 1_000 - FEE, 0)
    last = (await alerts(scene))[0]["details"]["lastActivityAt"]
    assert datetime.fromisoformat(last) == (await Transaction.get(id=sleeper_in)).created_at
    alert = await assert_one_alert(scene, txn, sleeper, "DORMANT_REACTIVATION", "LOW", "ALERT",
                                   {"lastActivityAt": last, "dormantDays": 180})
    # An ALERT-only alert is dismissed; it held nothing, so RELEASE and REJECT do not apply.
    for decision in ("RELEASE", "REJECT"):
        with pytest.raises(ValidationFailed):
            await resolve(alert["id"], decision)
    dismissed = await resolve(alert["id"], "DISMISS", reason="customer back from a long trip")
    assert (dismissed.status, dismissed.resolved_by) == ("DISMISSED", OFFICER.subject)
    assert await status(txn.id) == "POSTED" and len(await events(scene)) == 1
    assert await money(sleeper) == (100_000 - 1_000 - FEE, 0)


# Deciding a held transaction ----------------------------------------------


async def held_transfer(country: str = "FO") -> tuple[Scene, Party, Party, Transaction, dict[str, Any]]:
    """A payer with 19,999.98 EUR whose 10,000.00 transfer (fee 1.50) is HELD by LARGE_TRANSACTION."""
    scene = await new_scene(country)
    payer, payee = await scene.party(fund=["9999.99", "9999.99"]), await scene.party()
    txn = await scene.transfer(payer, payee, "10000.00")
    assert txn.status.value == "HELD"
    rows = await alerts(scene)
    assert len(rows) == len(PACK_RULES[country])
    return scene, payer, payee, txn, rows[0]


async def test_release_posts_the_held_transfer(database_url):
    scene, payer, payee, txn, alert = await held_transfer()
    usage_held = await usage(payer)

    resolved = await resolve(alert["id"], "RELEASE", reason="source of funds documented")

    assert (resolved.status, resolved.resolved_by, resolved.resolution_reason) == (
        "RELEASED", OFFICER.subject, "source of funds documented")
    assert resolved.resolved_at is not None
    assert await status(txn.id) == "POSTED"
    fee_account = await system_account_id(AccountKind.FEE_REVENUE, CURRENCY)
    assert await entries(txn.id) == sorted(
        [(payer.account_id, -THRESHOLD), (payee.account_id, THRESHOLD), (payer.account_id, -FEE), (fee_account, FEE)])
    assert await money(payer) == (1_999_998 - THRESHOLD - FEE, 0)
    assert await money(payee) == (THRESHOLD, 0)
    assert await usage(payer) == usage_held  # counted once, when it was held
    assert (await events(scene))[-1] == decided_event("released", txn.id, alert["id"])
    assert [e["type"] for e in await events(scene)] == ["transaction.held", "aml.alert_raised", "transaction.released"]
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_reject_drops_the_held_transfer_and_gives_funds_and_limits_back(database_url):
    scene, payer, payee, txn, alert = await held_transfer()
    assert (await usage(payer))["day_out_minor"] == THRESHOLD
    with pytest.raises(InsufficientFunds):
        await scene.withdraw(payer, "19999.98")  # reserved while held

    resolved = await resolve(alert["id"], "REJECT", reason="could not verify the source of funds")

    assert resolved.status == "REJECTED"
    stored = await Transaction.get(id=txn.id)
    assert stored.status.value == "REJECTED" and await entries(txn.id) == []
    assert await money(payer) == (1_999_998, 0)
    assert await money(payee) == (0, 0)
    assert await usage(payer) == {"day_out_minor": 0, "month_out_minor": 0, "year_out_minor": 0, "lifetime_out_minor": 0}
    assert (await events(scene))[-1] == decided_event("rejected", txn.id, alert["id"])
    report = await verify_ledger()
    assert report.ok, report.problems
    # The funds are available again: all of it can leave (in amounts under the large-transaction threshold).
    for _ in range(2):
        assert (await scene.withdraw(payer, "9999.99")).status.value == "POSTED"
    assert await money(payer) == (0, 0)
    assert (await usage(payer))["day_out_minor"] == 1_999_998


async def test_resolving_the_same_alert_twice_is_invalid_state_and_changes_nothing(database_url):
    for first in ("RELEASE", "REJECT"):
        scene, _, _, txn, alert = await held_transfer()
        await resolve(alert["id"], first)
        before = await snapshot(scene, txn.id)
        for again in ("RELEASE", "REJECT", "DISMISS"):
            with pytest.raises(CaseStateConflict) as refused:
                await resolve(alert["id"], again, reason="second opinion")
            assert refused.value.code == "INVALID_STATE"
        assert await snapshot(scene, txn.id) == before


async def test_dismissing_a_hold_alert_is_a_validation_error_and_changes_nothing(database_url):
    scene, payer, _, txn, alert = await held_transfer()
    before = await snapshot(scene, txn.id)
    with pytest.raises(ValidationFailed) as refused:
        await resolve(alert["id"], "DISMISS")
    assert refused.value.code == "VALIDATION"
    assert await snapshot(scene, txn.id) == before
    with pytest.raises(ValidationFailed):
        await resolve(alert["id"], "APPROVE")
    assert await snapshot(scene, txn.id) == before
    assert await money(payer) == (1_999_998, THRESHOLD + FEE)


async def test_release_to_a_wallet_frozen_meanwhile_is_refused_and_the_transfer_stays_held(database_url):
    scene, payer, payee, txn, alert = await held_transfer()
    await Wallet.filter(id=payee.wallet_id).update(status="FROZEN")
    before = await snapshot(scene, txn.id)

    with pytest.raises(WalletNotActive) as refused:
        await resolve(alert["id"], "RELEASE")

    assert refused.value.code == "WALLET_NOT_ACTIVE"
    assert await snapshot(scene, txn.id) == before
    assert await status(txn.id) == "HELD" and await money(payer) == (1_999_998, THRESHOLD + FEE)
    assert (await verify_ledger()).ok
    # Unfrozen, the same alert can still be released.
    await Wallet.filter(id=payee.wallet_id).update(status="ACTIVE")
    await resolve(alert["id"], "RELEASE")
    assert await status(txn.id) == "POSTED" and await money(payee) == (THRESHOLD, 0)
    assert (await verify_ledger()).ok


async def test_release_to_a_customer_blocked_meanwhile_is_refused_and_the_transfer_stays_held(database_url):
    scene, payer, payee, txn, alert = await held_transfer()
    await Customer.filter(id=payee.customer_id).update(screening_status="BLOCKED")
    await announce_standing_changed()
    before = await snapshot(scene, txn.id)
    with pytest.raises(DomainError) as refused:
        await resolve(alert["id"], "RELEASE")
    assert refused.value.code == "COMPLIANCE_HOLD"
    assert await snapshot(scene, txn.id) == before


async def test_funds_reserved_by_a_held_transfer_cannot_be_spent(database_url):
    scene, payer, payee, txn, _ = await held_transfer()
    other = await scene.party()
    available = 1_999_998 - THRESHOLD - FEE  # 9,998.48
    before = await snapshot(scene, txn.id)
    with pytest.raises(InsufficientFunds):
        await scene.transfer(payer, other, "9996.99")  # + 1.50 fee = 9,998.49: one minor unit too many
    with pytest.raises(InsufficientFunds):
        await scene.withdraw(payer, "9998.49")
    assert await snapshot(scene, txn.id) == before
    spent = await scene.transfer(payer, other, "9996.98")  # + 1.50 fee: exactly what is available
    assert spent.status.value == "POSTED"
    assert await money(payer) == (1_999_998 - available, THRESHOLD + FEE)  # nothing left beyond the reservation
    assert await money(other) == (999_698, 0)
    assert (await verify_ledger()).ok


# Concurrency (PostgreSQL) --------------------------------------------------


def outcome(result: object) -> str:
    if isinstance(result, DomainError):
        return result.code
    if isinstance(result, BaseException):
        raise AssertionError(f"unexpected {type(result).__name__}: {result}") from result
    return "ok"


async def _race(scene: Scene, payer: Party, payee: Party, txn: Transaction, calls: list[tuple[uuid.UUID, str]]) -> None:
    results = await asyncio.gather(*(resolve(a, d, reason=f"race {d}") for a, d in calls), return_exceptions=True)
    outcomes = [outcome(r) for r in results]
    assert sorted(outcomes) == ["INVALID_STATE", "ok"], outcomes
    winner = calls[outcomes.index("ok")][1]
    final = {"RELEASE": "POSTED", "REJECT": "REJECTED"}[winner]
    assert await status(txn.id) == final
    assert {a["status"] for a in await alerts(scene)} == {"RELEASED" if winner == "RELEASE" else "REJECTED"}
    if winner == "RELEASE":
        assert await money(payer) == (1_999_998 - THRESHOLD - FEE, 0) and await money(payee) == (THRESHOLD, 0)
        assert len(await entries(txn.id)) == 4
    else:
        assert await money(payer) == (1_999_998, 0) and await money(payee) == (0, 0)
        assert await entries(txn.id) == []
    decided = [e["type"] for e in await events(scene) if e["type"] in ("transaction.released", "transaction.rejected")]
    assert decided == ["transaction.released" if winner == "RELEASE" else "transaction.rejected"]


@requires_postgres
async def test_concurrent_release_and_reject_of_one_alert_one_wins(database_url):
    for round_ in range(6):
        scene, payer, payee, txn, alert = await held_transfer()
        order = [(alert["id"], "RELEASE"), (alert["id"], "REJECT")]
        await _race(scene, payer, payee, txn, order if round_ % 2 == 0 else order[::-1])
    report = await verify_ledger()
    assert report.ok, report.problems


@requires_postgres
async def test_concurrent_release_and_reject_through_two_alerts_of_one_transaction_one_wins(database_url):
    for round_ in range(6):
        scene, payer, payee, txn, _ = await held_transfer("GG")  # LARGE_TRANSACTION and NEW_ACCOUNT_HIGH_VALUE
        first, second = await alerts(scene)
        order = [(first["id"], "RELEASE"), (second["id"], "REJECT")]
        await _race(scene, payer, payee, txn, order if round_ % 2 == 0 else order[::-1])
    report = await verify_ledger()
    assert report.ok, report.problems
