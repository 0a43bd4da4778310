"""OAuth scopes that partner tokens may carry."""

PARTNER_SCOPES: tuple[str, ...] = (
    "customers:read",
    "customers:write",
    "wallets:read",
    "wallets:write",
    "transactions:read",
    "transactions:write",
    "kyc:read",
    "kyc:write",
    "fees:read",
    "webhooks:manage",
)


def parse_scopes(raw: str | None) -> list[str]:
    """Split a space-separated scope string into a sorted list without duplicates."""
    return sorted({part for part in (raw or "").split() if part})


def unknown_scopes(scopes: list[str]) -> list[str]:
    """The scopes in the list that no partner token may carry."""
    return [scope for scope in scopes if scope not in PARTNER_SCOPES]
