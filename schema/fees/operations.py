"""Fee quotes and schedules for partners; fee rules and revenue for bank staff."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from schema.common.audit_actor import actor_label
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid
from schema.common.scalars import Decimal
from schema.fees.types import FeeQuote, FeeRevenueLine, FeeRule, quote_view
from schema.partners.types import Partner
from services.partners import fee_share
from services.fees import schedule
from services.fees.quote import quote_fee
from services.fees.revenue import fee_revenue
from services.errors import NotFound
from services.fees.rules import RuleSpec


@strawberry.enum
class FeeKind(Enum):
    TOP_UP = "TOP_UP"
    TRANSFER = "TRANSFER"
    PAYMENT = "PAYMENT"
    WITHDRAWAL = "WITHDRAWAL"
    INTERNATIONAL_TRANSFER = "INTERNATIONAL_TRANSFER"


@strawberry.enum
class RevenueGrouping(Enum):
    PARTNER = "PARTNER"
    KIND = "KIND"
    CURRENCY = "CURRENCY"
    DAY = "DAY"


@strawberry.input
class FeeQuoteInput:
    kind: FeeKind
    amount: Decimal  # type: ignore[valid-type]
    currency: str
    from_wallet_id: strawberry.ID | None = None
    to_wallet_id: strawberry.ID | None = None
    destination_country: str | None = None


@strawberry.input(description="Amounts are decimal strings in the rule's currency; a rule without a currency can only be a rate.")
class FeeRuleInput:
    kind: FeeKind
    partner_id: strawberry.ID | None = strawberry.field(default=None, description="Omit for the bank's default schedule.")
    currency: str | None = None
    corridor: str | None = strawberry.field(default=None, description="DOMESTIC or CROSS_BORDER.")
    destination_country: str | None = None
    customer_kind: str | None = None
    amount_min: Decimal | None = None  # type: ignore[valid-type]
    amount_max: Decimal | None = None  # type: ignore[valid-type]
    fixed: Decimal | None = None  # type: ignore[valid-type]
    rate_bps: int = 0
    fee_min: Decimal | None = None  # type: ignore[valid-type]
    fee_max: Decimal | None = None  # type: ignore[valid-type]
    free_per_month: int = 0
    effective_from: datetime | None = strawberry.field(default=None, description="Default now; never in the past.")
    effective_to: datetime | None = None


@strawberry.input
class FeeRuleUpdateInput:
    rule_id: strawberry.ID
    effective_from: datetime | None = strawberry.field(default=None, description="When the new version starts (default now).")
    fixed: Decimal | None = None  # type: ignore[valid-type]
    rate_bps: int | None = None
    fee_min: Decimal | None = None  # type: ignore[valid-type]
    fee_max: Decimal | None = None  # type: ignore[valid-type]
    free_per_month: int | None = None
    effective_to: datetime | None = None


@strawberry.input
class FeeRuleRetireInput:
    rule_id: strawberry.ID
    at: datetime | None = strawberry.field(default=None, description="Default now; never in the past.")


@strawberry.input
class PartnerFeeShareInput:
    partner_id: strawberry.ID
    share_bps: int


@strawberry.type
class FeeRulePayload:
    rule: FeeRule | None
    user_errors: list[UserError]


@strawberry.type
class PartnerFeeSharePayload:
    partner: Partner | None
    user_errors: list[UserError]


def _rule_payload(row: Any, errors: list[UserError]) -> FeeRulePayload:
    return FeeRulePayload(rule=FeeRule.from_spec(RuleSpec.of(row)) if row is not None else None, user_errors=errors)


def _rule_terms(input: Any) -> dict[str, Any]:
    values = {k: v for k, v in vars(input).items() if k not in ("rule_id", "partner_id")}
    if isinstance(values.get("kind"), FeeKind):
        values["kind"] = values["kind"].value
    return values


def _wallet(global_id: strawberry.ID | None, field: str) -> Any:
    if global_id is None:
        return None
    wallet_id = global_id_to_uuid(global_id, "Wallet")
    if wallet_id is None:
        raise NotFound("wallet not found", field=[field])
    return wallet_id


@strawberry.type
class FeeQueries:
    @strawberry.field(permission_classes=requires("fees:read"), description="The fee before anything moves.")
    async def fee_quote(self, info: Info, input: FeeQuoteInput) -> FeeQuote:
        quote = await quote_fee(
            principal=info.context.principal, kind=input.kind.value, amount=input.amount, currency=input.currency,
            from_wallet_id=_wallet(input.from_wallet_id, "fromWalletId"),
            to_wallet_id=_wallet(input.to_wallet_id, "toWalletId"),
            destination_country=input.destination_country,
        )
        return quote_view(quote)

    @strawberry.field(permission_classes=requires("fees:read"), description="The rules that apply to you (bank default and your own), current and scheduled.")
    async def fee_schedule(self, info: Info) -> list[FeeRule]:
        rules = await schedule.visible_schedule(info.context.principal)
        return [FeeRule.from_spec(rule) for rule in sorted(rules, key=lambda r: (r.kind, str(r.id)))]

    @strawberry.field(permission_classes=requires("revenue:read"), description="Staff only: fees charged in [from, to).")
    async def fee_revenue(
        self, info: Info, occurred_from: datetime, occurred_to: datetime, group_by: RevenueGrouping
    ) -> list[FeeRevenueLine]:
        lines = await fee_revenue(occurred_from=occurred_from, occurred_to=occurred_to, group_by=group_by.value)
        return [FeeRevenueLine(group=l.group, revenue=Money.of(l.fee_minor, l.currency), transactions=l.transactions) for l in lines]


@strawberry.type
class FeeMutations:
    @strawberry.mutation(permission_classes=requires("fees:write"), description="Bank admin: add a fee rule.")
    async def fee_rule_create(self, info: Info, input: FeeRuleInput) -> FeeRulePayload:
        async def create() -> Any:
            terms = schedule.terms_from_input(_rule_terms(input))
            terms["partner_id"] = global_id_to_uuid(input.partner_id, "Partner") if input.partner_id else None
            if input.partner_id and terms["partner_id"] is None:
                raise NotFound("partner not found", field=["partnerId"])
            return await schedule.create_rule(terms=terms, created_by=actor_label(info))

        row, errors = await attempt(info, create())
        return _rule_payload(row, errors)

    @strawberry.mutation(permission_classes=requires("fees:write"), description="A new version from its effective date; the old one ends then.")
    async def fee_rule_update(self, info: Info, input: FeeRuleUpdateInput) -> FeeRulePayload:
        async def update() -> Any:
            rule = await schedule.get_rule(rule_id=global_id_to_uuid(input.rule_id, "FeeRule"))
            changes = schedule.terms_from_input({**_rule_terms(input), "currency": rule.currency})
            return await schedule.update_rule(rule_id=rule.id, changes=changes, created_by=actor_label(info))

        row, errors = await attempt(info, update())
        return _rule_payload(row, errors)

    @strawberry.mutation(permission_classes=requires("fees:write"), description="End a rule (from now or a future date).")
    async def fee_rule_retire(self, info: Info, input: FeeRuleRetireInput) -> FeeRulePayload:
        row, errors = await attempt(info, schedule.retire_rule(rule_id=global_id_to_uuid(input.rule_id, "FeeRule"), at=input.at))
        return _rule_payload(row, errors)

    @strawberry.mutation(permission_classes=requires("partners:write"), description="The partner's share of its customers' fees.")
    async def partner_fee_share_set(self, info: Info, input: PartnerFeeShareInput) -> PartnerFeeSharePayload:
        model, errors = await attempt(
            info, fee_share.set_fee_share(partner_id=global_id_to_uuid(input.partner_id, "Partner"), share_bps=input.share_bps)
        )
        return PartnerFeeSharePayload(partner=Partner.from_model(model) if model else None, user_errors=errors)
