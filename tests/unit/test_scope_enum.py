"""The Scope enum names exactly the partner scopes and the staff permissions, so typed fields never miss one."""

from __future__ import annotations

import pytest

from auth.roles import ROLE_PERMISSIONS, STAFF_PERMISSIONS
from auth.scopes import PARTNER_SCOPES
from schema.common.scopes import Scope, chosen_scopes, typed_scopes
from services.delegated_tokens import CUSTOMER_TOKEN_SCOPES
from services.errors import ValidationFailed


def test_the_enum_is_every_scope_and_permission_and_nothing_else():
    assert {scope.value for scope in Scope} == set(PARTNER_SCOPES) | set(STAFF_PERMISSIONS)
    assert set(CUSTOMER_TOKEN_SCOPES) <= set(PARTNER_SCOPES)
    for role, permissions in ROLE_PERMISSIONS.items():
        assert typed_scopes(permissions), role  # every role's permissions convert


def test_typed_scopes_are_sorted_by_their_names():
    assert typed_scopes(["wallets:read", "customers:read"]) == [Scope.CUSTOMERS_READ, Scope.WALLETS_READ]


def test_an_input_gives_typed_or_string_scopes_not_both():
    assert chosen_scopes([Scope.WALLETS_READ], None, field="grantedScopes") == ["wallets:read"]
    assert chosen_scopes(None, ["wallets:read"], field="grantedScopes") == ["wallets:read"]
    assert chosen_scopes(None, None, field="grantedScopes") is None
    with pytest.raises(ValidationFailed) as caught:
        chosen_scopes([Scope.WALLETS_READ], ["wallets:read"], field="grantedScopes")
    assert caught.value.field == ["grantedScopes"]
