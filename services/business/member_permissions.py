"""What each business member role may do: THE one table (the README's Businesses section shows the same table).

Every business service asks `require_action`; nothing else decides what a role may do.

| action          | OWNER | ADMIN | ACCOUNTANT | VIEWER |
|-----------------|-------|-------|------------|--------|
| VIEW            | yes   | yes   | yes        | yes    |
| PAY             | yes   | yes   | yes        | no     |
| APPROVE         | yes   | yes   | no         | no     |
| MANAGE_MEMBERS  | yes   | yes   | no         | no     |
| SET_POLICY      | yes   | no    | no         | no     |

- VIEW: read the business's members and payout requests (wallets and transactions as any customer token).
- PAY: move money out of the business's wallets (transfers, withdrawals, payments) up to the approval threshold,
  and create payout requests (payoutRequestCreate) above it.
- APPROVE: approve or reject another member's payout request (never one's own: SELF_APPROVAL_FORBIDDEN).
- MANAGE_MEMBERS: add and remove members (only an OWNER adds or removes an OWNER).
- SET_POLICY: set the approval threshold (businessApprovalPolicySet).
"""

from __future__ import annotations

from enum import Enum

from services.errors import MemberRoleForbidden, ValidationFailed


class MemberRole(str, Enum):
    """A business member's role."""

    OWNER = "OWNER"
    ADMIN = "ADMIN"
    ACCOUNTANT = "ACCOUNTANT"
    VIEWER = "VIEWER"


class MemberAction(str, Enum):
    """Something a member may be allowed to do for its business."""

    VIEW = "VIEW"
    PAY = "PAY"
    APPROVE = "APPROVE"
    MANAGE_MEMBERS = "MANAGE_MEMBERS"
    SET_POLICY = "SET_POLICY"


_ALL = frozenset(MemberAction)
ROLE_PERMISSIONS: dict[MemberRole, frozenset[MemberAction]] = {
    MemberRole.OWNER: _ALL,
    MemberRole.ADMIN: _ALL - {MemberAction.SET_POLICY},
    MemberRole.ACCOUNTANT: frozenset({MemberAction.VIEW, MemberAction.PAY}),
    MemberRole.VIEWER: frozenset({MemberAction.VIEW}),
}


def may(role: MemberRole | str, action: MemberAction) -> bool:
    """Whether the role allows the action (an unknown role allows nothing)."""
    try:
        return action in ROLE_PERMISSIONS[MemberRole(role)]
    except ValueError:
        return False


def require_action(role: MemberRole | str, action: MemberAction, *, field: list[str] | None = None) -> None:
    """MEMBER_ROLE_FORBIDDEN unless the role allows the action."""
    if not may(role, action):
        raise MemberRoleForbidden(f"a {str(getattr(role, 'value', role))} member may not {action.value}", field=field)


def parse_role(value: str | None, *, field: list[str]) -> MemberRole:
    """A role named by input, or VALIDATION."""
    try:
        return MemberRole(str(value))
    except ValueError:
        raise ValidationFailed("role is one of OWNER, ADMIN, ACCOUNTANT, VIEWER", field=field) from None
