"""Deciding held transactions: release, reject, dismiss, and concurrent decisions (PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from auth.principal import Principal
from auth.roles import permissions_of
from models import Customer, Transaction, Wallet
from models.enums import AccountKind
from services.compliance.standing_channel import announce_standing_changed
from services.alert_decisions import resolve_alert
from services.aml.records import AlertRecord
from services.errors import CaseStateConflict, DomainError, Forbidden, InsufficientFunds, ValidationFailed, WalletNotActive
from services.ledger.verify import verify_ledger
from services.system_accounts import system_account_id
from tests.conftest import requires_postgres
from tests.integration.aml_support import (
    CURRENCY,
    FEE,
    OFFICER,
    Party,
    Scene,
    THRESHOLD,
    alerts,
    decided_event,
    entries,
    events,
    held_transfer,
    money,
    resolve,
    snapshot,
    status,
    usage,
)


# Deciding a held transaction ----------------------------------------------


async def test_release_posts_the_held_transfer(database_url):
    scene, payer, payee, txn, alert = await held_transfer()
    usage_held = await usage(payer)

    resolved = await resolve(alert["id"], "RELEASE", reason="source of funds documented")

    assert isinstance(resolved, AlertRecord) and (resolved.id, resolved.transaction_id) == (alert["id"], txn.id)
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


def _staff(role: str) -> Principal:
    return Principal(kind="staff", subject=f"staff-{role}", partner_id=None, scopes=permissions_of(role), role=role)


async def test_only_compliance_decides_anyone_else_is_forbidden_and_nothing_changes(database_url):
    scene, payer, _, txn, alert = await held_transfer()
    before = await snapshot(scene, txn.id)
    # The partner itself, and staff whose role has no aml:review (admin reads alerts, but does not decide them).
    for caller in (scene.principal, _staff("admin"), _staff("support"), _staff("analyst")):
        for decision in ("RELEASE", "REJECT"):
            with pytest.raises(Forbidden) as refused:
                await resolve_alert(principal=caller, alert_id=alert["id"], decision=decision, reason="not mine to decide")
            assert (refused.value.code, refused.value.message) == ("FORBIDDEN", "this operation needs the aml:review scope")
    assert await snapshot(scene, txn.id) == before
    assert await status(txn.id) == "HELD" and await money(payer) == (1_999_998, THRESHOLD + FEE)
    # Compliance still can.
    assert (await resolve_alert(principal=_staff("compliance"), alert_id=alert["id"], decision="REJECT",
                                reason="could not verify")).status == "REJECTED"


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
