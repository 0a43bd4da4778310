"""Maker-checker payouts through GraphQL (issue 16 part 6): a payout above the business's threshold waits for a
second member; one member with two tokens cannot approve its own request, a VIEWER approves nothing, reject and
expiry release the hold exactly once, approval posts exactly once, and the direct paths cannot bypass it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from models import DomainEvent, Entry, Transaction
from models.business import PayoutRequest
from services import clock
from services.business.payout_decisions import expire_due
from tests.api.business_members_support import (
    REQUESTS, add_member, balances, business, decide, member_session, request_payout, set_threshold,
)
from tests.api.staff_support import customer_session
from tests.api.support import object_uuid, random_global_id
from tests.factories import next_id


async def _fee(request: dict) -> Decimal:
    """The fee the payout request's transaction carries (on top of its amount)."""
    txn = await Transaction.get(id=object_uuid(request["transactionId"]))
    return Decimal(txn.fee_minor) / 100


async def _ledger_of(request: dict) -> tuple[str, int, int]:
    """(status, number of entries, sum of entries) of the request's transaction."""
    transaction_id = object_uuid(request["transactionId"])
    txn = await Transaction.get(id=transaction_id)
    amounts = await Entry.filter(transaction_id=transaction_id).values_list("amount_minor", flat=True)
    return str(txn.status.value if hasattr(txn.status, "value") else txn.status), len(amounts), sum(amounts)


async def test_one_member_with_two_tokens_cannot_approve_and_a_second_member_posts_once(clients):
    partner = await clients.partner()
    biz = await business(partner)
    assert (await set_threshold(partner, biz.customer_id, "100.00"))["userErrors"] == []
    # The maker is an ADMIN (it may approve others' requests): two tokens of it are still one member.
    maker, maker_again = await member_session(biz, "admin"), await member_session(biz, "admin")
    assert maker.token != maker_again.token
    # The direct paths are refused above the threshold: by the member, and by the business's token without one.
    refused = await maker.transfer(biz.wallet_id, biz.payee_wallet_id, "300.00")
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("APPROVAL_REQUIRED", ["amount"])]
    assert (await maker.withdraw(biz.wallet_id, "300.00"))["userErrors"][0]["code"] == "APPROVAL_REQUIRED"
    plain = await customer_session(partner, biz.customer_id, ["transactions:write", "wallets:read"])
    assert (await plain.transfer(biz.wallet_id, biz.payee_wallet_id, "300.00"))["userErrors"][0]["code"] \
        == "APPROVAL_REQUIRED"
    assert await balances(partner, biz.wallet_id) == ("1000.00", "1000.00")
    # At the threshold it is not above it: a plain transfer.
    assert (await maker.transfer(biz.wallet_id, biz.payee_wallet_id, "100.00"))["userErrors"] == []

    created = await request_payout(maker, biz, "300.00", memo="supplier run")
    assert created["userErrors"] == [], created
    request = created["payoutRequest"]
    assert (request["status"], request["kind"], request["makerMemberId"]) == (
        "PENDING", "TRANSFER", biz.member_ids["admin"])
    fee = await _fee(request)
    # Held: the balance is untouched, the available balance is down by amount + fee; nothing posted yet.
    assert await balances(partner, biz.wallet_id) == ("900.00", f"{Decimal('900.00') - 300 - fee:.2f}")
    assert await _ledger_of(request) == ("HELD", 0, 0)

    # The same member, through its second token: refused, nothing moves.
    for token in (maker, maker_again):
        again = await decide(token, request["id"], approve=True)
        assert [e["code"] for e in again["userErrors"]] == ["SELF_APPROVAL_FORBIDDEN"]
    # A VIEWER approves nothing; an ACCOUNTANT neither.
    for name in ("viewer", "accountant"):
        checker = await member_session(biz, name)
        assert (await decide(checker, request["id"], approve=True))["userErrors"][0]["code"] == "MEMBER_ROLE_FORBIDDEN"
    # The partner's own token is no member: it cannot be the checker.
    assert (await decide(partner, request["id"], approve=True))["userErrors"][0]["code"] == "MEMBER_ROLE_FORBIDDEN"
    assert await _ledger_of(request) == ("HELD", 0, 0)

    checker = await member_session(biz, "owner")
    approved = await decide(checker, request["id"], approve=True)
    assert approved["userErrors"] == [], approved
    assert (approved["payoutRequest"]["status"], approved["payoutRequest"]["checkerMemberId"]) == (
        "APPROVED", biz.member_ids["owner"])
    after = f"{Decimal('900.00') - 300 - fee:.2f}"
    assert await balances(partner, biz.wallet_id) == (after, after)  # posted, and the reservation ended with it
    status, entries, total = await _ledger_of(request)
    assert status == "POSTED" and entries >= 2 and total == 0
    # A retry by the checker answers the approved request: posted once.
    retry = await decide(checker, request["id"], approve=True)
    assert retry["userErrors"] == [] and retry["payoutRequest"]["status"] == "APPROVED"
    second_owner = await add_member(partner, biz.customer_id, "owner two", "OWNER")
    biz.member_ids["owner two"] = second_owner["member"]["id"]
    late = await decide(await member_session(biz, "owner two"), request["id"], approve=True)
    assert late["userErrors"][0]["code"] == "PAYOUT_REQUEST_NOT_PENDING"
    assert await balances(partner, biz.wallet_id) == (after, after)
    assert await _ledger_of(request) == (status, entries, 0)
    assert await balances(partner, biz.payee_wallet_id) == ("400.00", "400.00")
    types = await DomainEvent.filter(object_id=str(object_uuid(request["id"]))).order_by("id").values_list(
        "type", flat=True)
    assert types == ["payout_request.created", "payout_request.approved"]


async def test_reject_and_expiry_release_the_hold_exactly_once(clients):
    partner = await clients.partner()
    biz = await business(partner)
    assert (await set_threshold(partner, biz.customer_id, "50.00"))["userErrors"] == []
    maker, admin = await member_session(biz, "accountant"), await member_session(biz, "admin")
    created = (await request_payout(maker, biz, "200.00", to_wallet=None))["payoutRequest"]  # a withdrawal
    assert created["kind"] == "WITHDRAWAL" and created["toWalletId"] is None
    fee = await _fee(created)
    assert await balances(partner, biz.wallet_id) == ("1000.00", f"{Decimal('1000.00') - 200 - fee:.2f}")
    rejected = await decide(admin, created["id"], approve=False, reason="wrong supplier")
    assert rejected["userErrors"] == [] and rejected["payoutRequest"]["status"] == "REJECTED"
    assert rejected["payoutRequest"]["reason"] == "wrong supplier"
    assert await balances(partner, biz.wallet_id) == ("1000.00", "1000.00")
    for again in (await decide(admin, created["id"], approve=False), await decide(admin, created["id"], approve=True)):
        assert again["userErrors"][0]["code"] == "PAYOUT_REQUEST_NOT_PENDING"
    assert await balances(partner, biz.wallet_id) == ("1000.00", "1000.00")
    assert await _ledger_of(created) == ("REJECTED", 0, 0)

    # The maker may withdraw its own request; a VIEWER may not reject anyone's.
    mine = (await request_payout(maker, biz, "60.00"))["payoutRequest"]
    viewer = await member_session(biz, "viewer")
    assert (await decide(viewer, mine["id"], approve=False))["userErrors"][0]["code"] == "MEMBER_ROLE_FORBIDDEN"
    withdrawn = await decide(maker, mine["id"], approve=False)
    assert withdrawn["payoutRequest"]["checkerMemberId"] == biz.member_ids["accountant"]
    assert await balances(partner, biz.wallet_id) == ("1000.00", "1000.00")

    # Expiry: the clock-driven sweep releases it once; a late approval finds nothing to approve.
    start = datetime.now(timezone.utc)
    with clock.frozen_at(start) as move:
        expiring = (await request_payout(maker, biz, "70.00", expiresAt=(start + timedelta(hours=1)).isoformat()))
        assert expiring["userErrors"] == [], expiring
        expiring = expiring["payoutRequest"]
        fee = await _fee(expiring)
        assert await balances(partner, biz.wallet_id) == ("1000.00", f"{Decimal('1000.00') - 70 - fee:.2f}")
        assert await expire_due() == 0  # not due yet
        move(start + timedelta(hours=2))
        assert (await decide(admin, expiring["id"], approve=True))["userErrors"][0]["code"] == \
            "PAYOUT_REQUEST_NOT_PENDING"
        assert await expire_due() >= 1
        assert await expire_due() == 0
    row = await PayoutRequest.get(id=object_uuid(expiring["id"]))
    assert row.status == "EXPIRED" and row.decided_at is not None
    assert await balances(partner, biz.wallet_id) == ("1000.00", "1000.00")
    assert await _ledger_of(expiring) == ("REJECTED", 0, 0)
    listed = (await admin.ok(REQUESTS, {"c": biz.customer_id, "s": "EXPIRED"}))["payoutRequests"]["nodes"]
    assert [n["id"] for n in listed] == [expiring["id"]]


async def test_bad_input_is_reported_precisely_and_moves_nothing(clients):
    partner, other = await clients.partner(), await clients.partner()
    biz = await business(partner)
    assert (await set_threshold(partner, biz.customer_id, "100.00"))["userErrors"] == []
    maker = await member_session(biz, "accountant")
    stranger = await business(partner)  # another business of the same partner
    cases = [
        ({"amount": "150.001"}, "INVALID_AMOUNT", ["amount"]),
        ({"amount": "-5"}, "INVALID_AMOUNT", ["amount"]),
        ({"fromWalletId": stranger.wallet_id}, "NOT_FOUND", ["fromWalletId"]),
        ({"to_wallet": random_global_id("Wallet")}, "NOT_FOUND", ["toWalletId"]),
        ({"amount": "4999.00"}, "INSUFFICIENT_FUNDS", ["fromWalletId"]),
        ({"expiresAt": "2001-01-01T00:00:00+00:00"}, "VALIDATION", ["expiresAt"]),
        ({"idempotencyKey": "has spaces"}, "VALIDATION", ["idempotencyKey"]),
    ]
    for extra, code, field in cases:
        amount = extra.pop("amount", "150.00")
        refused = await request_payout(maker, biz, amount, **extra)
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [(code, field)], (extra, refused)
    # The partner's own token and a VIEWER make no payout requests.
    assert (await request_payout(partner, biz, "150.00"))["userErrors"][0]["code"] == "MEMBER_ROLE_FORBIDDEN"
    viewer = await member_session(biz, "viewer")
    assert (await request_payout(viewer, biz, "150.00"))["userErrors"][0]["code"] == "MEMBER_ROLE_FORBIDDEN"
    # A VIEWER moves no money at all, even under the threshold.
    assert (await viewer.transfer(biz.wallet_id, biz.payee_wallet_id, "1.00"))["userErrors"][0]["code"] == \
        "MEMBER_ROLE_FORBIDDEN"
    assert await balances(partner, biz.wallet_id) == ("1000.00", "1000.00")
    assert await PayoutRequest.filter(customer_id=object_uuid(biz.customer_id)).count() == 0
    # Idempotency: a retry answers the original; the same key with another amount is a conflict.
    key = next_id("payout")
    first = (await request_payout(maker, biz, "150.00", key=key))["payoutRequest"]
    assert (await request_payout(maker, biz, "150.00", key=key))["payoutRequest"]["id"] == first["id"]
    conflict = await request_payout(maker, biz, "151.00", key=key)
    assert conflict["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert await PayoutRequest.filter(customer_id=object_uuid(biz.customer_id)).count() == 1
    # Another partner cannot see or decide it.
    assert (await decide(other, first["id"], approve=True))["userErrors"][0]["code"] in ("NOT_FOUND",
                                                                                         "MEMBER_ROLE_FORBIDDEN")
    hidden = await other.gql(REQUESTS, {"c": biz.customer_id, "s": None})
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_removed_member_tokens_act_for_nobody(clients):
    partner = await clients.partner()
    biz = await business(partner)
    assert (await set_threshold(partner, biz.customer_id, "100.00"))["userErrors"] == []
    maker, admin = await member_session(biz, "accountant"), await member_session(biz, "admin")
    request = (await request_payout(maker, biz, "120.00"))["payoutRequest"]
    owner = await member_session(biz, "owner")
    removed = await owner.ok("mutation($i: BusinessMemberRemoveInput!) { businessMemberRemove(input: $i) {"
                             " member { status } userErrors { code } } }", {"i": {"memberId": biz.member_ids["admin"]}})
    assert removed["businessMemberRemove"]["member"]["status"] == "REMOVED"
    assert (await decide(admin, request["id"], approve=True))["userErrors"][0]["code"] == "MEMBER_ROLE_FORBIDDEN"
    assert (await admin.transfer(biz.wallet_id, biz.payee_wallet_id, "1.00"))["userErrors"][0]["code"] == \
        "MEMBER_ROLE_FORBIDDEN"
    assert (await decide(owner, request["id"], approve=True))["payoutRequest"]["status"] == "APPROVED"
