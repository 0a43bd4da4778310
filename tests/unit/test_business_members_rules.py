"""The business member rules that need no database (issue 16 parts 5-6): the one role table (and the README's copy
of it), input parsing, request expiry, the zero threshold and the member claims of customer tokens."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from auth.tokens import InvalidToken, TokenAuthority, generate_key_pair
from services.business.member_permissions import (
    ROLE_PERMISSIONS, MemberAction, MemberRole, may, parse_role, require_action,
)
from services.business.payout_requests import DEFAULT_TTL, MAX_TTL, request_expiry
from services.business.policy import _is_zero
from services.errors import InvalidAmount, MemberRoleForbidden, ValidationFailed

README = Path(__file__).resolve().parents[2] / "README.md"


def _table(text: str) -> dict[str, dict[str, bool]]:
    """action -> role -> allowed, from a markdown table whose header names the roles."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    table = {}
    for line in rows[2:]:
        cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        table[cells[0]] = {role: cells[i] == "yes" for i, role in enumerate(header) if i}
    return table


def _code_table() -> dict[str, dict[str, bool]]:
    return {a.value: {r.value: a in ROLE_PERMISSIONS[r] for r in MemberRole} for a in MemberAction}


def test_the_role_table_is_complete_and_only_widens_with_the_role():
    assert set(ROLE_PERMISSIONS) == set(MemberRole)
    order = [MemberRole.VIEWER, MemberRole.ACCOUNTANT, MemberRole.ADMIN, MemberRole.OWNER]
    for lower, higher in zip(order, order[1:]):
        assert ROLE_PERMISSIONS[lower] < ROLE_PERMISSIONS[higher], (lower, higher)
    assert ROLE_PERMISSIONS[MemberRole.OWNER] == frozenset(MemberAction)
    assert ROLE_PERMISSIONS[MemberRole.VIEWER] == {MemberAction.VIEW}
    assert not may("VIEWER", MemberAction.APPROVE) and not may("ACCOUNTANT", MemberAction.APPROVE)
    assert not may("GOD", MemberAction.VIEW)  # an unknown role may nothing


def test_the_docstring_and_the_readme_show_the_same_table_as_the_code():
    import services.business.member_permissions as module

    docstring = module.__doc__ or ""
    assert _table(docstring[docstring.index("| action"):]) == _code_table()
    readme = README.read_text(encoding="utf-8")
    section = readme[readme.index("| business member action"):]
    section = section[:section.index("\n\n")]
    assert _table(section.replace("business member action", "action")) == _code_table()


def test_require_action_and_parse_role():
    require_action("OWNER", MemberAction.SET_POLICY)
    with pytest.raises(MemberRoleForbidden) as refused:
        require_action(MemberRole.ADMIN, MemberAction.SET_POLICY, field=["x"])
    assert refused.value.code == "MEMBER_ROLE_FORBIDDEN" and refused.value.field == ["x"]
    assert parse_role("ACCOUNTANT", field=["role"]) is MemberRole.ACCOUNTANT
    for bad in ("owner", "", None, "ROOT"):
        with pytest.raises(ValidationFailed):
            parse_role(bad, field=["role"])


def test_request_expiry_defaults_and_bounds():
    now = datetime(2026, 12, 4, 12, tzinfo=timezone.utc)
    assert request_expiry(None, now) == now + DEFAULT_TTL
    assert request_expiry(now + timedelta(hours=1), now) == now + timedelta(hours=1)
    for bad in (now, now - timedelta(seconds=1), now + MAX_TTL + timedelta(seconds=1), datetime(2026, 12, 5)):
        with pytest.raises(ValidationFailed):
            request_expiry(bad, now)


def test_only_a_plain_zero_is_a_zero_threshold():
    assert all(_is_zero(text) for text in ("0", "0.00", "00", " 0 "))
    assert not any(_is_zero(text) for text in ("0.01", "1", "abc", ".", "0x0", "0.0.0"))
    with pytest.raises(InvalidAmount):
        _is_zero("-0")


def _authority() -> TokenAuthority:
    key, _ = generate_key_pair()
    return TokenAuthority(issuer="https://qianbao.test", audience="qianbao-test", signing=key, verifying=[])


def test_a_member_token_carries_the_member_and_its_role():
    tokens = _authority()
    partner, customer, member = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    token, _ = tokens.issue_customer_token(client_id="c", partner_id=partner, customer_id=customer,
                                           scopes=["wallets:read"], ttl_s=60, member_id=member, member_role="ADMIN")
    principal = tokens.verify(token)
    assert (principal.customer_id, principal.member_id, principal.member_role) == (customer, member, "ADMIN")
    plain, _ = tokens.issue_customer_token(client_id="c", partner_id=partner, customer_id=customer,
                                           scopes=["wallets:read"], ttl_s=60)
    assert tokens.verify(plain).member_id is None and tokens.verify(plain).member_role is None
    # Half a member claim is refused.
    forged = tokens._issue({"kind": "customer", "sub": "x", "client_id": "c", "partner_id": str(partner),
                            "customer_id": str(customer), "scope": "wallets:read", "member_id": str(member)}, 60)[0]
    with pytest.raises(InvalidToken):
        tokens.verify(forged)
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", token)
