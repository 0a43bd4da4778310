"""Business members through GraphQL (issue 16 part 5): members with roles, tokens that carry the member and role,
and the one role table (services.business.member_permissions) enforced on every mutation it governs."""

from __future__ import annotations

import pytest

from auth.tokens import TokenAuthority
from models import DomainEvent
from services.business.member_permissions import MemberAction, MemberRole, may
from tests.api.business_members_support import (
    MEMBER_REMOVE, MEMBERS, POLICY, TOKEN, add_member, balances, business, decide, member_session, request_payout,
    set_threshold,
)
from tests.api.support import object_uuid, random_global_id

ROLES = [role.value for role in MemberRole]


def _code(payload: dict) -> str:
    """OK, or the one error code of a payload."""
    errors = payload["userErrors"]
    return "OK" if not errors else errors[0]["code"]


def _expected(role: str, action: MemberAction) -> str:
    return "OK" if may(role, action) else "MEMBER_ROLE_FORBIDDEN"


@pytest.mark.parametrize("role", ROLES)
async def test_the_role_table_is_enforced_on_every_mutation(clients, role):
    partner = await clients.partner()
    biz = await business(partner, roles={"owner": "OWNER", "other": "ADMIN", "actor": role})
    assert (await set_threshold(partner, biz.customer_id, "100.00"))["userErrors"] == []
    actor = await member_session(biz, "actor")
    other = await member_session(biz, "other")
    outcomes: dict[MemberAction, list[str]] = {}
    # MANAGE_MEMBERS: add a VIEWER, remove a VIEWER.
    added = await add_member(actor, biz.customer_id, "new viewer", "VIEWER")
    target = (await add_member(partner, biz.customer_id, "to remove", "VIEWER"))["member"]["id"]
    removed = (await actor.ok(MEMBER_REMOVE, {"input": {"memberId": target}}))["businessMemberRemove"]
    outcomes[MemberAction.MANAGE_MEMBERS] = [_code(added), _code(removed)]
    # SET_POLICY.
    outcomes[MemberAction.SET_POLICY] = [_code(await set_threshold(actor, biz.customer_id, "100.00"))]
    # PAY: a transfer under the threshold, a withdrawal under it, and a payout request above it.
    outcomes[MemberAction.PAY] = [
        _code(await actor.transfer(biz.wallet_id, biz.payee_wallet_id, "10.00")),
        _code(await actor.withdraw(biz.wallet_id, "10.00")),
        _code(await request_payout(actor, biz, "150.00")),
    ]
    # APPROVE: approve one and reject another of a different member's requests.
    first = (await request_payout(other, biz, "120.00"))["payoutRequest"]
    second = (await request_payout(other, biz, "130.00"))["payoutRequest"]
    outcomes[MemberAction.APPROVE] = [_code(await decide(actor, first["id"], approve=True)),
                                      _code(await decide(actor, second["id"], approve=False))]
    # VIEW: read the members (every role may).
    listed = await actor.gql(MEMBERS, {"c": biz.customer_id, "removed": False})
    outcomes[MemberAction.VIEW] = ["OK" if not listed.get("errors") else listed["errors"][0]["extensions"]["code"]]
    expected = {action: [_expected(role, action)] * len(codes) for action, codes in outcomes.items()}
    assert outcomes == expected
    assert set(outcomes) == set(MemberAction)  # every action of the table was tried


async def test_members_are_added_removed_and_carried_by_their_tokens(clients, app):
    partner, stranger = await clients.partner(), await clients.partner()
    biz = await business(partner, roles={"owner": "OWNER", "admin": "ADMIN"})
    session = await member_session(biz, "admin")
    minted = (await partner.ok(TOKEN, {"input": {"customerId": biz.customer_id, "scopes": ["customers:read"],
                                                 "memberId": biz.member_ids["admin"]}}))["customerTokenCreate"]
    assert (minted["memberId"], minted["memberRole"]) == (biz.member_ids["admin"], "ADMIN")
    tokens: TokenAuthority = app.state.qianbao.tokens
    principal = tokens.verify(session.token)
    assert (principal.member_id, principal.member_role) == (object_uuid(biz.member_ids["admin"]), "ADMIN")
    assert principal.customer_id == object_uuid(biz.customer_id)
    # An ADMIN manages members but never OWNERs; only an OWNER (or the partner) adds an OWNER.
    assert _code(await add_member(session, biz.customer_id, "boss", "OWNER")) == "MEMBER_ROLE_FORBIDDEN"
    remove_owner = (await session.ok(MEMBER_REMOVE, {"input": {"memberId": biz.member_ids["owner"]}}))
    assert _code(remove_owner["businessMemberRemove"]) == "MEMBER_ROLE_FORBIDDEN"
    # The last OWNER stays.
    last = (await partner.ok(MEMBER_REMOVE, {"input": {"memberId": biz.member_ids["owner"]}}))["businessMemberRemove"]
    assert [(e["code"], e["field"]) for e in last["userErrors"]] == [("LAST_OWNER", ["memberId"])]
    second = await add_member(partner, biz.customer_id, "second owner", "OWNER")
    gone = (await partner.ok(MEMBER_REMOVE, {"input": {"memberId": biz.member_ids["owner"]}}))["businessMemberRemove"]
    assert gone["member"]["status"] == "REMOVED" and gone["member"]["removedAt"] is not None
    again = (await partner.ok(MEMBER_REMOVE, {"input": {"memberId": biz.member_ids["owner"]}}))["businessMemberRemove"]
    assert _code(again) == "NOT_FOUND"
    active = (await partner.ok(MEMBERS, {"c": biz.customer_id, "removed": False}))["businessMembers"]["nodes"]
    assert sorted(m["name"] for m in active) == ["admin", "second owner"]
    everyone = (await partner.ok(MEMBERS, {"c": biz.customer_id, "removed": True}))["businessMembers"]["nodes"]
    assert len(everyone) == 3
    # A removed member gets no new token; a token for another business's member is refused.
    refused = (await partner.ok(TOKEN, {"input": {"customerId": biz.customer_id, "scopes": ["customers:read"],
                                                  "memberId": biz.member_ids["owner"]}}))["customerTokenCreate"]
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("NOT_FOUND", ["memberId"])]
    other_biz = await business(partner, roles={"boss": "OWNER"})
    cross = (await partner.ok(TOKEN, {"input": {"customerId": biz.customer_id, "scopes": ["customers:read"],
                                                "memberId": other_biz.member_ids["boss"]}}))["customerTokenCreate"]
    assert _code(cross) == "NOT_FOUND"
    # Events: ids and roles only, never the name.
    events = await DomainEvent.filter(object_id=str(object_uuid(second["member"]["id"]))).values_list("type", "payload")
    assert [t for t, _ in events] == ["business_member.added"]
    assert events[0][1]["role"] == "OWNER" and "name" not in events[0][1]
    # Another partner sees none of it.
    hidden = await stranger.gql(MEMBERS, {"c": biz.customer_id, "removed": True})
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert _code(await add_member(stranger, biz.customer_id, "spy", "OWNER")) == "NOT_FOUND"


async def test_bad_member_input_is_refused_and_changes_nothing(clients):
    partner = await clients.partner()
    biz = await business(partner, roles={"owner": "OWNER"})
    person = await partner.create_customer()  # an INDIVIDUAL customer has no members
    cases = [
        ({"customerId": person["id"], "name": "x", "role": "ADMIN"}, ("VALIDATION", ["customerId"])),
        ({"customerId": random_global_id("Customer"), "name": "x", "role": "ADMIN"}, ("NOT_FOUND", ["customerId"])),
        ({"customerId": biz.customer_id, "name": "   ", "role": "ADMIN"}, ("VALIDATION", ["name"])),
        ({"customerId": biz.customer_id, "name": "x" * 201, "role": "ADMIN"}, ("VALIDATION", ["name"])),
    ]
    for values, expected in cases:
        data = await partner.ok("mutation($input: BusinessMemberAddInput!) { businessMemberAdd(input: $input) {"
                                " member { id } userErrors { code field } } }", {"input": values})
        assert [(e["code"], e["field"]) for e in data["businessMemberAdd"]["userErrors"]] == [expected], values
    bad_role = await partner.gql("mutation($input: BusinessMemberAddInput!) { businessMemberAdd(input: $input) {"
                                 " member { id } } }", {"input": {"customerId": biz.customer_id, "name": "x",
                                                                   "role": "GOD"}})
    assert bad_role.get("errors")
    # Thresholds: too many decimals, negative, unknown currency; the business's own token without a member.
    for amount, currency, code in (("1.001", "CNY", "INVALID_AMOUNT"), ("-1", "CNY", "INVALID_AMOUNT"),
                                   ("1", "XXX", "UNSUPPORTED_CURRENCY")):
        assert _code(await set_threshold(partner, biz.customer_id, amount, currency)) == code
    owner = await member_session(biz, "owner")
    assert _code(await set_threshold(owner, biz.customer_id, "0")) == "OK"
    assert (await owner.ok(POLICY, {"c": biz.customer_id, "cur": "CNY"}))["businessApprovalPolicy"]["threshold"] == {
        "amount": "0.00", "currency": "CNY"}
    # A zero threshold: every payout needs a checker.
    assert _code(await owner.transfer(biz.wallet_id, biz.payee_wallet_id, "0.01")) == "APPROVAL_REQUIRED"
    assert await balances(partner, biz.wallet_id) == ("1000.00", "1000.00")
