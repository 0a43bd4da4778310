"""Who may call a service: the one place services decide it.

The schema decides first (a permission class on every field, see
schema.common.permissions); services that the CLI and jobs call too guard
themselves here, with the same rules, so that a caller the schema would have
refused is refused the same way from anywhere. A refusal is `Forbidden`
(code FORBIDDEN), which the API answers like a permission rule on the field.

Which rows a caller may read is not decided here but in services.scoping.
"""

from __future__ import annotations

from auth.principal import PARTNER, Principal
from services.errors import Forbidden


def is_staff(principal: Principal, permission: str | None = None) -> bool:
    """Whether the principal is bank staff (holding the role permission, when one is named)."""
    return principal.is_staff and (permission is None or principal.has_scope(permission))


def require_staff(principal: Principal, permission: str | None = None) -> None:
    """Refuse every caller but bank staff (whose role grants the permission, when one is named)."""
    if not is_staff(principal, permission):
        # The schema's permission rule refuses with the same words (schema.common.permissions).
        raise Forbidden(f"this operation needs the {permission} scope" if permission else "this operation is for bank staff only")


def require_role(principal: Principal, *roles: str) -> None:
    """Refuse every caller but bank staff in one of the roles."""
    if not (principal.is_staff and principal.role in roles):
        raise Forbidden(f"only staff in the role {' or '.join(roles)} may do this")


def require_scope(principal: Principal, scope: str) -> None:
    """Refuse a caller whose token (for staff: whose role) does not grant the scope."""
    if not principal.has_scope(scope):
        raise Forbidden(f"this operation needs the {scope} scope")


def require_partner_token(principal: Principal) -> None:
    """Refuse every caller but a partner's own token (not a delegated customer token, not staff)."""
    if principal.kind != PARTNER:
        raise Forbidden("this operation needs the partner's own token")
