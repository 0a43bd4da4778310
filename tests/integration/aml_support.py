"""Scenes, reads and assertions shared by the AML posting and decision tests."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise import connections
from tortoise.expressions import Q

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import AmlAlert, CompliancePolicy, DomainEvent, Entry, LimitUsage, Transaction, Wallet
from models.enums import AccountKind
from services.caches import LAST_ACTIVE
from services.alert_decisions import resolve_alert
from services.aml.records import AlertRecord
from services.compliance.policy_document import check_aml_rules, check_countries, check_thresholds, check_tiers
from services.compliance.standing_channel import announce_standing_changed
from services.customers import create_customer
from services.events import INTERNAL_EVENT_TYPES
from services.fees.schedule import create_rule
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.db.sql import fetch
from services.partners.onboarding import create_partner
from services.system_accounts import system_account_id
from services.wallets import open_wallet
from services.event_catalogue import BROADCAST_EVENT_TYPES
from tests.factories import GraphQLClient, grant_tier

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


async def hold_pack(jurisdiction: str, country: str, rules: dict[str, dict[str, Any]], *, threshold_minor: int) -> None:
    """A test-only pack for `country`: one tier with generous CNY limits, these AML rules and a CNY threshold of
    `threshold_minor` (made once per database)."""
    if await CompliancePolicy.exists(jurisdiction=jurisdiction):
        return
    await CompliancePolicy.create(
        jurisdiction=jurisdiction, name=f"Tests: {jurisdiction}", countries=check_countries([country]), timezone="UTC",
        large_transaction_thresholds=check_thresholds({"CNY": threshold_minor}),
        tiers=check_tiers([{"tier": 1, "name": "tests", "crossBorder": True, "limits": {"CNY": GENEROUS}}]),
        aml_rules=check_aml_rules(rules), updated_by="test:pack")
    await announce_standing_changed()


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
        party = Party(customer.id, wallet.id, wallet.account_id)
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


async def resolve(alert_id: uuid.UUID, decision: str, reason: str = "reviewed") -> AlertRecord:
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
    # The compliance events only: the lifecycle events every onboarding, posting and fee change writes are
    # tests/integration/test_event_outbox.py's business.
    rows = await DomainEvent.filter(Q(partner_id=scene.partner_id) | Q(partner_id=None)).exclude(
        type__in=["customer.created", "wallet.opened", "transaction.posted", *BROADCAST_EVENT_TYPES]).order_by("id").values(
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


def forget_seen_activity(wallet_ids: list[uuid.UUID]) -> None:
    """Make this process forget that it saw these wallets move, as months of real time passing would.

    services.aml.activity remembers (services.caches.LAST_ACTIVE) when each wallet was last seen active, so
    that a wallet active within the dormancy window needs no query; a test that
    moves rows into the past must drop that memory too.
    """
    for wallet_id in wallet_ids:
        LAST_ACTIVE.data.pop(wallet_id, None)


async def held_transfer(country: str = "FO") -> tuple[Scene, Party, Party, Transaction, dict[str, Any]]:
    """A payer with 19,999.98 EUR whose 10,000.00 transfer (fee 1.50) is HELD by LARGE_TRANSACTION."""
    scene = await new_scene(country)
    payer, payee = await scene.party(fund=["9999.99", "9999.99"]), await scene.party()
    txn = await scene.transfer(payer, payee, "10000.00")
    assert txn.status.value == "HELD"
    rows = await alerts(scene)
    assert len(rows) == len(PACK_RULES[country])
    return scene, payer, payee, txn, rows[0]
