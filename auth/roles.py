"""Bank staff roles and what each may do (the role -> permission matrix).

| permission          | admin | compliance | support | analyst |
|---------------------|:-----:|:----------:|:-------:|:-------:|
| partners:read       |   x   |     x      |    x    |    x    |
| partners:write      |   x   |            |         |         |
| audit:read          |   x   |     x      |         |         |
| customers:read      |   x   |     x      |    x    |    x    |
| wallets:read        |   x   |     x      |    x    |    x    |
| transactions:read   |   x   |     x      |    x    |    x    |
| kyc:read            |   x   |     x      |         |         |
| kyc:review          |       |     x      |         |         |
| fees:read           |   x   |     x      |    x    |    x    |
| fees:write          |   x   |            |         |         |
| revenue:read        |   x   |     x      |         |    x    |
| pii:reveal          |       |     x      |         |         |
| aml:read            |   x   |     x      |         |         |
| aml:review          |       |     x      |         |         |
| wallets:freeze      |       |     x      |         |         |
| transactions:reverse|   x   |     x      |         |         |
| fx:write            |   x   |            |         |         |
| funding:review      |   x   |     x      |         |         |
| reconciliation:read |   x   |     x      |         |    x    |
| reconciliation:write|   x   |     x      |         |         |
| policies:read       |   x   |     x      |    x    |    x    |
| policies:write      |   x   |            |         |         |
| staff:read          |   x   |            |         |         |
| staff:write         |   x   |            |         |         |
| support:read        |   x   |            |    x    |         |
| support:write       |   x   |            |    x    |         |
| disputes:decide     |   x   |            |    x    |         |
| help:write          |   x   |            |    x    |         |
| reports:read        |   x   |     x      |         |    x    |

Compliance alone reviews KYC, reveals PII (with a stated reason, audited),
resolves AML alerts and cases and freezes wallets: these are the bank's
compliance decisions, deliberately not an admin's. Admin alone changes the
regional policy packs.

Only admin lists staff users, deactivates them and changes their roles
(staff:read, staff:write; never leaving the bank without an active admin).
Only admin manages partners, API clients and keys, and only admin revokes
tokens (`tokenRevoke` by token or jti, which needs partners:write; partners
and customer tokens may revoke their own tokens); analyst reads and never
writes; support reads customers and transactions but not KYC documents. No
staff role moves money: partner tokens alone carry transactions:write. The
one exception is a correction: admin and compliance may reverse a posted
transaction (transactions:reverse: the exact opposite entries, once, audited).
Treasury (a fifth role, not a column above) reads what support reads and sets
FX mid rates (fx:write: fxRateSet, `qianbao fx import`); admin may too.
Admin and compliance approve or reject a linked bank account whose holder
name does not match the customer (funding:review, bankAccountReview, audited).
Admin, compliance and analyst read the rails' reconciliation exceptions and daily
report (reconciliation:read); admin and compliance resolve exceptions
(reconciliation:write, reconciliationExceptionResolve, audited).
Support (and admin, who supervises the desk) read and work support tickets: the queue, replies, internal notes,
assignment, priority and status (support:read, support:write). They also decide payment disputes
(disputes:decide): a decision for the customer posts a refund from the merchant's settlement wallet, as a card
scheme's chargeback does, through the payments refund service (audited); compliance and analysts do not.
Support and admin write the help centre (help:write: helpArticleCreate, helpArticleUpdate, helpArticlePublish,
audited); every caller, partners and customers included, reads its published articles.
"""

from __future__ import annotations

STAFF_ROLES: tuple[str, ...] = ("admin", "compliance", "support", "analyst", "treasury")

_READ_ALL = frozenset(
    {"partners:read", "customers:read", "wallets:read", "transactions:read", "fees:read", "policies:read"}
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": _READ_ALL | {
        "partners:write", "audit:read", "kyc:read", "fees:write", "revenue:read", "aml:read", "policies:write",
        "staff:read", "staff:write", "transactions:reverse", "funding:review", "fx:write",
        "reconciliation:read", "reconciliation:write",
        "support:read", "support:write", "disputes:decide",  # issue 16: the support desk and disputes
    },
    "compliance": _READ_ALL | {
        "audit:read", "kyc:read", "kyc:review", "revenue:read", "pii:reveal", "aml:read", "aml:review", "wallets:freeze",
        "transactions:reverse", "funding:review", "reconciliation:read", "reconciliation:write",
    },
    "support": _READ_ALL | {"support:read", "support:write", "disputes:decide"},  # issue 16: tickets, disputes
    "analyst": _READ_ALL | {"revenue:read", "reconciliation:read"},
    "treasury": _READ_ALL | {"fx:write"},  # FX mid rates (services.fx.rates)
}
# Issue 16 part 1: support and admin write the help centre (help:write; services.help.admin).
ROLE_PERMISSIONS.update({role: ROLE_PERMISSIONS[role] | {"help:write"} for role in ("admin", "support")})
# Issue 17 part 1: the reporting queries (reports:read; services.reporting) for admin, compliance and analysts.
ROLE_PERMISSIONS.update({role: ROLE_PERMISSIONS[role] | {"reports:read"} for role in ("admin", "compliance", "analyst")})

STAFF_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())


def permissions_of(role: str) -> frozenset[str]:
    """The permissions a staff role grants (none for an unknown role)."""
    return ROLE_PERMISSIONS.get(role, frozenset())
