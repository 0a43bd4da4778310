"""Strong customer authentication on the posting path: decided while planning, before anything is locked or written.

The pack of the customer whose money moves (the payer; for a top-up, the
receiver) says which postings need strong authentication
(services.compliance.strong_auth). Then:

- a customer token must carry an authentication (`amr`, `auth_time`) that
  meets every rule that applies;
- a partner's own token, acting server-side with no customer present, is
  governed by the partner's `strong_auth_mode`, which the bank sets
  (`partnerStrongAuthSet`): EXEMPT (the default) lets it through,
  REQUIRE_CUSTOMER_TOKEN refuses it;
- bank staff move no customer money through this path.

A refusal is STEP_UP_REQUIRED naming what is needed; it happens before the
idempotency key is claimed, limits are counted or any row is written.
"""

from __future__ import annotations

import time
import uuid

from auth.principal import Principal
from models.enums import PartnerStrongAuthMode, TransactionKind
from services.compliance.policies import pack_for_country
from services.compliance.standing import standings
from services.compliance.strong_auth import applicable_rules, first_unmet
from services.authority import is_staff
from services.errors import StepUpRequired
from services.scoping import partner_row, token_customer

STEP_UP_FIELD = ["amount"]


async def partner_strong_auth_mode(partner_id: uuid.UUID | None) -> PartnerStrongAuthMode:
    """The partner's setting, read fresh (it is asked only of postings that a rule covers)."""
    stored = await partner_row(partner_id).values_list("strong_auth_mode", flat=True) if partner_id else []
    return PartnerStrongAuthMode(stored[0]) if stored else PartnerStrongAuthMode.EXEMPT


async def check_strong_authentication(
    principal: Principal, *, kind: TransactionKind, customer_id: uuid.UUID, amount_minor: int, currency: str,
    now: float | None = None,
) -> None:
    """Refuse with StepUpRequired when the posting needs a stronger (or fresher) authentication than the caller has."""
    if is_staff(principal) or principal.partner_id is None:
        return
    standing = (await standings([customer_id]))[customer_id]
    pack = await pack_for_country(standing.country)
    rules = applicable_rules(pack.strong_auth, kind=kind.value, currency=currency, amount_minor=amount_minor)
    if not rules:
        return
    if token_customer(principal) is not None:
        unmet = first_unmet(rules, principal.auth_methods, principal.auth_time, time.time() if now is None else now)
        if unmet is not None:
            raise StepUpRequired(
                f"{unmet.refusal(kind=kind.value, currency=currency)}: authenticate the customer again"
                " and use a customer token that says so (customerTokenCreate authentication)",
                field=STEP_UP_FIELD,
            )
        return
    if await partner_strong_auth_mode(principal.partner_id) == PartnerStrongAuthMode.REQUIRE_CUSTOMER_TOKEN:
        rule = rules[0]
        raise StepUpRequired(
            f"{rule.refusal(kind=kind.value, currency=currency)}: the bank requires this partner to make it"
            " with a customer token that carries that authentication, not with its own token",
            field=STEP_UP_FIELD,
        )
