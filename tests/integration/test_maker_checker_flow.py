"""Maker-checker through the services on a real database (issue 16 parts 5-6): the approval rule, the guard on the
posting path, a payout request's hold through its whole lifecycle, and `qianbao ledger verify` after each step."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from auth.principal import CUSTOMER, Principal
from models import Account, Transaction
from models.business import PayoutRequest
from services import clock
from services.business import approval_rule, members, payout_decisions, payout_queries, policy
from services.business.payout_guard import check_business_payout
from services.business.payout_requests import create_payout_request
from services.business.records import MemberRecord, PayoutRequestRecord
from services.errors import (
    ApprovalRequired, MemberRoleForbidden, PayoutRequestNotPending, SelfApprovalForbidden,
)
from services.ledger.posting import post_top_up, post_transfer
from services.ledger.verify import verify_ledger
from models.enums import TransactionKind
from tests.integration.service_support import Holder, holder, new_partner

MEMBER_SCOPES = frozenset({"customers:read", "customers:write", "wallets:read", "transactions:read",
                           "transactions:write"})


def as_member(partner: Principal, customer_id: uuid.UUID, member: MemberRecord) -> Principal:
    """A customer token of the business acting as this member (what customerTokenCreate(memberId) mints)."""
    return Principal(kind=CUSTOMER, subject=partner.subject, partner_id=partner.partner_id, scopes=MEMBER_SCOPES,
                     customer_id=customer_id, member_id=member.id, member_role=member.role)


async def _business(partner: Principal) -> tuple[Holder, Holder, dict[str, MemberRecord]]:
    biz = await holder(partner, kind="BUSINESS")
    payee = await holder(partner)
    await post_top_up(principal=partner, wallet_id=biz.wallet_id, amount="1000.00", idempotency_key=f"f-{uuid.uuid4()}")
    team = {}
    for name, role in (("owner", "OWNER"), ("admin", "ADMIN"), ("clerk", "ACCOUNTANT"), ("reader", "VIEWER")):
        team[name] = await members.add_member(principal=partner, customer_id=biz.customer_id, name=name, role=role)
    await policy.set_policy(principal=partner, customer_id=biz.customer_id, amount="100.00", currency="CNY")
    return biz, payee, team


async def _money(account_id: int) -> tuple[int, int]:
    account = await Account.get(id=account_id)
    return account.balance_minor, account.held_minor


async def test_the_approval_rule_and_the_guard(database_url):
    partner = await new_partner("mc")
    biz, payee, team = await _business(partner)
    assert await approval_rule.approval_threshold(biz.customer_id, "cny") == 10_000
    assert await approval_rule.approval_threshold(biz.customer_id, "USD") is None
    assert not await approval_rule.requires_approval(biz.customer_id, "CNY", 10_000)
    assert await approval_rule.requires_approval(biz.customer_id, "CNY", 10_001)
    assert not await approval_rule.requires_approval(biz.customer_id, "USD", 10**12)
    clerk = as_member(partner, biz.customer_id, team["clerk"])
    reader = as_member(partner, biz.customer_id, team["reader"])
    with pytest.raises(ApprovalRequired):
        await check_business_payout(clerk, kind=TransactionKind.TRANSFER, customer_id=biz.customer_id,
                                    amount_minor=10_001, currency="CNY")
    await check_business_payout(clerk, kind=TransactionKind.TRANSFER, customer_id=biz.customer_id,
                                amount_minor=10_001, currency="CNY", awaiting_approval=True)
    await check_business_payout(clerk, kind=TransactionKind.TOP_UP, customer_id=biz.customer_id,
                                amount_minor=10**9, currency="CNY")  # money in is no payout
    await check_business_payout(partner, kind=TransactionKind.TRANSFER, customer_id=biz.customer_id,
                                amount_minor=10**9, currency="CNY")  # the partner's own token: not a business user
    with pytest.raises(MemberRoleForbidden):
        await check_business_payout(reader, kind=TransactionKind.WITHDRAWAL, customer_id=biz.customer_id,
                                    amount_minor=1, currency="CNY")
    with pytest.raises(ApprovalRequired):
        await post_transfer(principal=clerk, from_wallet_id=biz.wallet_id, to_wallet_id=payee.wallet_id,
                            amount="100.01", idempotency_key="above")
    assert await _money(biz.account_id) == (100_000, 0)
    # The partner's token moves it (its back office is not subject to the business's internal rule).
    await post_transfer(principal=partner, from_wallet_id=biz.wallet_id, to_wallet_id=payee.wallet_id,
                        amount="100.01", idempotency_key=f"partner-{uuid.uuid4()}")
    assert (await verify_ledger()).ok


async def test_a_request_holds_then_posts_once_and_the_maker_never_checks_itself(database_url):
    partner = await new_partner("mc")
    biz, payee, team = await _business(partner)
    admin = as_member(partner, biz.customer_id, team["admin"])
    admin_again = as_member(partner, biz.customer_id, team["admin"])  # another token of the same member
    owner = as_member(partner, biz.customer_id, team["owner"])
    made = await create_payout_request(principal=admin, from_wallet_id=biz.wallet_id, to_wallet_id=payee.wallet_id,
                                       amount="250.00", idempotency_key="req-1")
    assert isinstance(made, PayoutRequestRecord) and made.status == "PENDING" and made.amount_minor == 25_000
    txn = await Transaction.get(id=made.transaction_id)
    assert txn.status == "HELD" and txn.hold_minor == 25_000 + txn.fee_minor
    assert await _money(biz.account_id) == (100_000, txn.hold_minor)
    assert (await verify_ledger()).ok  # held_minor = the held transaction's reservation
    replay = await create_payout_request(principal=admin, from_wallet_id=biz.wallet_id, to_wallet_id=payee.wallet_id,
                                         amount="250.00", idempotency_key="req-1")
    assert replay.id == made.id and replay.replayed
    for token in (admin, admin_again):
        with pytest.raises(SelfApprovalForbidden):
            await payout_decisions.approve(principal=token, request_id=made.id)
    approved = await payout_decisions.approve(principal=owner, request_id=made.id)
    assert approved.status == "APPROVED" and approved.checker_member_id == team["owner"].id
    assert await _money(biz.account_id) == (100_000 - txn.hold_minor, 0)
    again = await payout_decisions.approve(principal=owner, request_id=made.id)
    assert again.replayed and await _money(biz.account_id) == (100_000 - txn.hold_minor, 0)
    with pytest.raises(PayoutRequestNotPending):
        await payout_decisions.reject(principal=owner, request_id=made.id)
    assert (await Transaction.get(id=made.transaction_id)).status == "POSTED"
    assert (await verify_ledger()).ok
    seen = await payout_queries.get_payout_request(principal=as_member(partner, biz.customer_id, team["reader"]),
                                                   request_id=made.id)
    assert seen.status == "APPROVED"
    page = await payout_queries.list_payout_requests(principal=partner, customer_id=biz.customer_id, status=None,
                                                     first=10, after=None)
    assert [r.id for r in page.items] == [made.id]


async def test_expiry_and_rejection_release_exactly_once(database_url):
    partner = await new_partner("mc")
    biz, payee, team = await _business(partner)
    clerk = as_member(partner, biz.customer_id, team["clerk"])
    admin = as_member(partner, biz.customer_id, team["admin"])
    start = clock.now()
    with clock.frozen_at(start) as move:
        first = await create_payout_request(principal=clerk, from_wallet_id=biz.wallet_id, to_wallet_id=None,
                                            amount="300.00", idempotency_key="exp-1",
                                            expires_at=start + timedelta(minutes=5))
        second = await create_payout_request(principal=clerk, from_wallet_id=biz.wallet_id,
                                             to_wallet_id=payee.wallet_id, amount="200.00", idempotency_key="exp-2")
        held = (await _money(biz.account_id))[1]
        assert held >= 50_000  # both amounts (and their fees, if any) are reserved
        move(start + timedelta(minutes=6))
        assert await payout_decisions.expire_due() == 1
        assert await payout_decisions.expire_due() == 0
        rejected = await payout_decisions.reject(principal=admin, request_id=second.id, reason="duplicate invoice")
    assert rejected.status == "REJECTED" and rejected.reason == "duplicate invoice"
    assert await _money(biz.account_id) == (100_000, 0)
    assert (await PayoutRequest.get(id=first.id)).status == "EXPIRED"
    for request_id in (first.id, second.id):
        assert (await Transaction.get(id=(await PayoutRequest.get(id=request_id)).transaction_id)).status == "REJECTED"
        with pytest.raises(PayoutRequestNotPending):
            await payout_decisions.approve(principal=admin, request_id=request_id)
    assert (await verify_ledger()).ok
    # Removing a member: its principal acts for nobody from now on.
    removed = await members.remove_member(principal=partner, member_id=team["clerk"].id)
    assert removed.status == "REMOVED"
    with pytest.raises(MemberRoleForbidden):
        await create_payout_request(principal=clerk, from_wallet_id=biz.wallet_id, to_wallet_id=None,
                                    amount="300.00", idempotency_key="exp-3")
