"""Strong customer authentication in the schema: a pack's rules as read, and the bank's per-partner setting.

A rule's input (StrongAuthRuleInput) sits with the rest of a pack's input in schema.compliance.operations.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from schema.common.context import Info
from schema.common.enums import TransactionKind
from schema.common.errors import UserError, attempt
from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid
from schema.partners.types import Partner
from services.compliance import partner_strong_auth
from services.compliance.strong_auth import BIOMETRIC, TWO_FACTORS


@strawberry.enum(description="What a strong authentication rule asks of the customer's authentication.")
class StepUpRequirement(Enum):
    TWO_FACTORS = strawberry.enum_value(
        TWO_FACTORS,
        description="Factors of two different categories: knowledge (PASSWORD, PIN), possession (DEVICE_BOUND),"
        " inherence (BIOMETRIC). PASSWORD with PIN is one category.",
    )
    BIOMETRIC = strawberry.enum_value(BIOMETRIC, description="A BIOMETRIC check among the methods.")


@strawberry.enum(description="Whether a partner's own token may make postings that need strong customer authentication.")
class PartnerStrongAuthMode(Enum):
    EXEMPT = strawberry.enum_value(
        "EXEMPT", description="The default: the partner's own token (server-side, no customer present) may make them."
    )
    REQUIRE_CUSTOMER_TOKEN = strawberry.enum_value(
        "REQUIRE_CUSTOMER_TOKEN",
        description="Its own token is refused with STEP_UP_REQUIRED: such postings need a customer token"
        " carrying a strong enough authentication.",
    )


@strawberry.type(description="When a posting needs strong customer authentication, and what it needs.")
class StrongAuthRule:
    operations: list[TransactionKind] = strawberry.field(description="The money movements the rule covers.")
    above_amounts: list[Money] = strawberry.field(
        description="Per currency: the rule applies to amounts strictly above this (0: every amount)."
        " A currency not listed is not covered."
    )
    require: StepUpRequirement = strawberry.field(description="What the customer's authentication must include.")
    max_age_seconds: int = strawberry.field(description="How old the customer's authentication may be at the posting.")

    @classmethod
    def of(cls, rule: dict[str, Any]) -> StrongAuthRule:
        """The GraphQL view of a stored rule."""
        return cls(
            operations=[TransactionKind(op) for op in rule["operations"]],
            above_amounts=[Money.of(int(v), k) for k, v in sorted(rule["aboveAmounts"].items())],
            require=StepUpRequirement(rule["require"]), max_age_seconds=int(rule["maxAgeSeconds"]),
        )


@strawberry.input(description="Which partner, and whether its own token may make postings that need strong authentication.")
class PartnerStrongAuthSetInput:
    partner_id: strawberry.ID = strawberry.field(description="The partner's global ID (NOT_FOUND otherwise).")
    mode: PartnerStrongAuthMode = strawberry.field(description="EXEMPT (the default) or REQUIRE_CUSTOMER_TOKEN.")


@strawberry.type(description="The partner with its strong authentication setting, or why nothing changed.")
class PartnerStrongAuthPayload:
    partner: Partner | None = strawberry.field(description="The partner after the change; null when refused.")
    mode: PartnerStrongAuthMode | None = strawberry.field(description="The partner's setting now.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. NOT_FOUND (partnerId)."
    )


@strawberry.type
class StrongAuthMutations:
    @strawberry.mutation(
        permission_classes=requires("partners:write"),
        description="Bank admin (partners:write): whether the partner's own token may make postings that its customers' policy pack"
        " says need strong customer authentication (default EXEMPT). Effective from the next posting.",
    )
    async def partner_strong_auth_set(
        self, info: Info,
        input: Annotated[PartnerStrongAuthSetInput, strawberry.argument(description="The partner and its new mode.")],
    ) -> PartnerStrongAuthPayload:
        result, errors = await attempt(
            info,
            partner_strong_auth.set_partner_strong_auth(
                partner_id=global_id_to_uuid(input.partner_id, "Partner"), mode=input.mode.value
            ),
            detail=f"mode={input.mode.value}",
        )
        if result is None:
            return PartnerStrongAuthPayload(partner=None, mode=None, user_errors=errors)
        return PartnerStrongAuthPayload(
            partner=Partner.from_record(result.partner), mode=PartnerStrongAuthMode(result.mode.value), user_errors=[]
        )
