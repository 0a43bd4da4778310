"""Fee quotes and schedules for partners; fee rules and revenue for bank staff."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from schema.coupons.operations import discount_ask  # issue 15: coupons and points in a quote
from schema.common.audit_actor import actor_label
from schema.common.context import Info
from schema.common.enums import PartnerEnvironment
from schema.common.errors import UserError, attempt
from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid, to_global_id
from schema.common.scalars import Decimal
from schema.fees.enums import FeeKind, FeePayer, FeeRoute, RefundTreatment
from schema.fees.types import FeeQuote, FeeRevenueLine, FeeRule, quote_view
from schema.partners.types import Partner
from services.partners import fee_share
from services.fees import schedule
from services.fees.quote import quote_fee
from services.fees.revenue import RevenueLine, fee_revenue
from services.errors import NotFound
from services.fees.records import FeeRuleRecord


@strawberry.enum(description="How feeRevenue groups the fees it sums (each group is further split by currency).")
class RevenueGrouping(Enum):
    PARTNER = strawberry.enum_value(
        "PARTNER", description="Per partner: the line's group is the partner's global ID, and its partner field is set."
    )
    KIND = strawberry.enum_value(
        "KIND", description="Per fee kind charged (a FeeKind value; a transfer across countries is INTERNATIONAL_TRANSFER)."
    )
    CURRENCY = strawberry.enum_value("CURRENCY", description="Per currency: the group is the ISO 4217 currency code.")
    DAY = strawberry.enum_value("DAY", description="Per UTC calendar day of the transaction: the group is YYYY-MM-DD.")


@strawberry.input(
    description="What to quote: the kind of transaction, its amount and currency, and the wallets (or destination"
    " country) that decide which rule applies. Give the same wallets the posting will use to get its exact fee."
)
class FeeQuoteInput:
    kind: FeeKind = strawberry.field(
        description="The kind of transaction. A TRANSFER whose payee (toWalletId, or destinationCountry) is in another"
        " country than the payer (fromWalletId) is quoted as INTERNATIONAL_TRANSFER, so give fromWalletId for"
        " transfers."
    )
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description='The transaction amount: a positive decimal string in currency with at most its decimals, e.g.'
        ' "12.50" (INVALID_AMOUNT otherwise). The fee comes on top of it (a top-up\'s comes out of it).'
    )
    currency: str = strawberry.field(
        description="The ISO 4217 code of the transaction, e.g. CNY (UNSUPPORTED_CURRENCY if the bank does not offer"
        " it); it must be the currency of each wallet given (CURRENCY_MISMATCH otherwise)."
    )
    from_wallet_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional: the paying wallet's global ID (one of your wallets, NOT_FOUND otherwise). Its customer's"
        " kind and country select the rule, and its customer's use of the monthly free allowance counts.",
    )
    to_wallet_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional: the receiving wallet's global ID (one of your wallets, NOT_FOUND otherwise); with"
        " fromWalletId, its customer's country decides domestic or cross-border.",
    )
    destination_country: str | None = strawberry.field(
        default=None,
        description="Optional: where the money goes, as an ISO 3166-1 alpha-2 code (VALIDATION otherwise), when there"
        " is no receiving wallet; compared with the paying wallet's customer's country.",
    )
    route: FeeRoute | None = strawberry.field(
        default=None,
        description="Optional, TOP_UP (BANK_ACCOUNT or CARD) and WITHDRAWAL (BANK_ACCOUNT) only: quote a top-up or"
        " withdrawal through a linked bank account or card (its rail route); omit for the instant one.",
    )
    merchant_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional, kind PAYMENT only (without toWalletId; VALIDATION otherwise): the merchant paid (a"
        " Merchant global ID of any partner, NOT_FOUND otherwise). Rules selecting its category or the merchant apply,"
        " and its own partner (or bank staff) also gets the merchant's fee (merchantFee).",
    )
    coupon_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Issue 15, kind PAYMENT with merchantId and fromWalletId: coupons to show"
        " the discount of (checked as paymentCreate checks them: COUPON_NOT_APPLICABLE otherwise).")
    points_to_redeem: int | None = strawberry.field(
        default=None, description="Issue 15: points to show the value of, as paymentCreate's pointsToRedeem.")
    points_program_id: strawberry.ID | None = strawberry.field(
        default=None, description="The programme of pointsToRedeem (a PointsProgram ID).")


@strawberry.input(description="Amounts are decimal strings in the rule's currency; a rule without a currency can only be a rate.")
class FeeRuleInput:
    kind: FeeKind = strawberry.field(description="The kind of transaction the rule charges; a rule applies to one kind.")
    partner_id: strawberry.ID | None = strawberry.field(default=None, description="Omit for the bank's default schedule.")
    currency: str | None = strawberry.field(
        default=None,
        description="Only transactions in this ISO 4217 currency (VALIDATION if the bank does not offer it). Required"
        " by every money term (fixed, feeMin, feeMax, amountMin, amountMax); omit for a rate-only rule for any currency.",
    )
    corridor: str | None = strawberry.field(default=None, description="DOMESTIC or CROSS_BORDER.")
    destination_country: str | None = strawberry.field(
        default=None,
        description="Only transactions to this country, as an ISO 3166-1 alpha-2 code (VALIDATION otherwise); omit for"
        " any destination.",
    )
    customer_kind: str | None = strawberry.field(
        default=None,
        description="Only customers of this kind: INDIVIDUAL or BUSINESS (VALIDATION otherwise); omit for any customer.",
    )
    amount_min: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Amount tier: the rule applies to amounts at or above this, in currency (needs currency); omit for"
        " no lower bound.",
    )
    amount_max: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Amount tier: the rule applies to amounts strictly below this, in currency; above amountMin"
        " (VALIDATION otherwise). Omit for no upper bound.",
    )
    fixed: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description='The fixed part of the fee, e.g. "1.00" in currency (needs currency); omitted: 0.'
    )
    rate_bps: int = strawberry.field(
        default=0,
        description="The variable part in basis points of the amount, 0 to 10000 (100 = 1 %), rounded half up to the"
        " minor unit; default 0.",
    )
    fee_min: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The lowest fee the rule charges, in currency (needs currency); omitted: 0."
    )
    fee_max: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="The highest fee the rule charges, in currency, at least feeMin (VALIDATION otherwise); omit for no"
        " cap.",
    )
    free_per_month: int = strawberry.field(
        default=0,
        description="How many transactions of this kind each customer makes free per calendar month (UTC) before the"
        " rule charges: 0 to 1000, default 0.",
    )
    effective_from: datetime | None = strawberry.field(default=None, description="Default now; never in the past.")
    effective_to: datetime | None = strawberry.field(
        default=None,
        description="When the rule stops applying (exclusive), after effectiveFrom (VALIDATION otherwise); omit for"
        " open-ended.",
    )
    payer: FeePayer = strawberry.field(
        default=FeePayer.SENDER,
        description="Who pays: SENDER (default: the payer, on top of the amount) or RECEIVER (PAYMENT only, VALIDATION"
        " otherwise: the merchant, out of what it receives; its partner's share goes to the merchant's partner). A"
        " RECEIVER rule of a partner applies to that partner's merchants, and has no free allowance.",
    )
    mcc: str | None = strawberry.field(
        default=None,
        description="PAYMENT only: merchants of this ISO 18245 category (four digits; VALIDATION if unknown); omit for"
        " any category.",
    )
    merchant_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="PAYMENT only: this one merchant (a Merchant global ID; on a partner's rule, one of that partner's"
        " merchants, NOT_FOUND otherwise). A rule naming a merchant beats every rule that names none.",
    )
    refund_treatment: RefundTreatment | None = strawberry.field(
        default=None,
        description="RECEIVER rules only (VALIDATION otherwise): what a refund does to the merchant's fee; default"
        " RETAINED. Each payment keeps the treatment it was charged under.",
    )
    route: FeeRoute | None = strawberry.field(
        default=None,
        description="TOP_UP (BANK_ACCOUNT or CARD) and WITHDRAWAL (BANK_ACCOUNT) only, VALIDATION otherwise: the rule"
        " applies to top-ups or withdrawals through this rail route; omit for any route, the instant one included.",
    )


@strawberry.input(
    description="New charges for a fee rule, as a new version: a term left null keeps the current value. What the rule"
    " selects (kind, partner, currency, corridor, destination, customer kind, amount tier) cannot change."
)
class FeeRuleUpdateInput:
    rule_id: strawberry.ID = strawberry.field(
        description="The fee rule's global ID (NOT_FOUND if unknown; VALIDATION if it has already ended)."
    )
    effective_from: datetime | None = strawberry.field(default=None, description="When the new version starts (default now).")
    fixed: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="The new fixed part, in the rule's currency (VALIDATION if the rule has none); null keeps it.",
    )
    rate_bps: int | None = strawberry.field(
        default=None, description="The new rate in basis points of the amount, 0 to 10000; null keeps it."
    )
    fee_min: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The new lowest fee, in the rule's currency; null keeps it."
    )
    fee_max: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="The new highest fee, in the rule's currency, at least feeMin; null keeps the current cap (or no cap).",
    )
    free_per_month: int | None = strawberry.field(
        default=None, description="The new monthly free allowance per customer, 0 to 1000; null keeps it."
    )
    effective_to: datetime | None = strawberry.field(
        default=None,
        description="When the new version ends (exclusive), after effectiveFrom; null keeps the current version's end.",
    )


@strawberry.input(description="Which fee rule to end, and when.")
class FeeRuleRetireInput:
    rule_id: strawberry.ID = strawberry.field(
        description="The fee rule's global ID (NOT_FOUND if unknown; VALIDATION if it has already ended)."
    )
    at: datetime | None = strawberry.field(default=None, description="Default now; never in the past.")


@strawberry.input(description="Which partner gets which share of the fees its customers pay.")
class PartnerFeeShareInput:
    partner_id: strawberry.ID = strawberry.field(description="The partner's global ID (NOT_FOUND otherwise).")
    share_bps: int = strawberry.field(
        description="The partner's share of each fee, in basis points: 0 to 10000 (VALIDATION otherwise). Rounded down"
        " to the minor unit; the bank keeps the rest."
    )


@strawberry.type(description="The fee rule as created, changed or ended, or why nothing changed.")
class FeeRulePayload:
    rule: FeeRule | None = strawberry.field(
        description="The rule: the new one, the new version (feeRuleUpdate) or the ended one (feeRuleRetire); null"
        " when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. VALIDATION (a malformed term, a date in the past, an"
        " overlap with a rule of equal precedence, an ended rule) or NOT_FOUND (ruleId, partnerId)."
    )


@strawberry.type(description="The partner with its new fee share, or why nothing changed.")
class PartnerFeeSharePayload:
    partner: Partner | None = strawberry.field(description="The partner after the change; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. VALIDATION (shareBps out of range) or NOT_FOUND (partnerId)."
    )


def _rule_payload(record: FeeRuleRecord | None, errors: list[UserError]) -> FeeRulePayload:
    return FeeRulePayload(rule=FeeRule.from_spec(record.rule) if record is not None else None, user_errors=errors)


def _rule_terms(input: Any) -> dict[str, Any]:
    values = {k: v for k, v in vars(input).items() if k not in ("rule_id", "partner_id")}
    for name in ("kind", "payer", "refund_treatment", "route"):
        if isinstance(values.get(name), Enum):
            values[name] = values[name].value
    if "merchant_id" in values:
        given = values["merchant_id"]
        values["merchant_id"] = global_id_to_uuid(given, "Merchant") if given else None
        if given and values["merchant_id"] is None:
            raise NotFound("merchant not found", field=["merchantId"])
    return values


def _revenue_line(line: RevenueLine) -> FeeRevenueLine:
    """A revenue line; a partner group is named by the partner's global ID, never its raw id."""
    group = to_global_id("Partner", line.partner_id) if line.partner_id is not None else line.group
    return FeeRevenueLine(
        group=group, revenue=Money.of(line.fee_minor, line.currency), transactions=line.transactions,
        _partner_id=line.partner_id,
    )


def _wallet(global_id: strawberry.ID | None, field: str) -> Any:
    if global_id is None:
        return None
    wallet_id = global_id_to_uuid(global_id, "Wallet")
    if wallet_id is None:
        raise NotFound("wallet not found", field=[field])
    return wallet_id


def _merchant(global_id: strawberry.ID | None) -> Any:
    if global_id is None:
        return None
    merchant_id = global_id_to_uuid(global_id, "Merchant")
    if merchant_id is None:
        raise NotFound("merchant not found", field=["merchantId"])
    return merchant_id


@strawberry.type
class FeeQueries:
    @strawberry.field(
        permission_classes=requires("fees:read"),
        description="The fee a transaction would be charged now, before anything moves. Needs fees:read. Refused with"
        " a GraphQL error: VALIDATION, INVALID_AMOUNT, UNSUPPORTED_CURRENCY, NOT_FOUND (a wallet) or CURRENCY_MISMATCH.",
    )
    async def fee_quote(
        self, info: Info,
        input: Annotated[FeeQuoteInput, strawberry.argument(description="The transaction to quote.")],
    ) -> FeeQuote:
        quote = await quote_fee(
            principal=info.context.principal, kind=input.kind.value, amount=input.amount, currency=input.currency,
            from_wallet_id=_wallet(input.from_wallet_id, "fromWalletId"),
            to_wallet_id=_wallet(input.to_wallet_id, "toWalletId"),
            destination_country=input.destination_country, merchant_id=_merchant(input.merchant_id),
            route=input.route.value if input.route else None,
            discounts=discount_ask(input.coupon_ids, input.points_to_redeem, input.points_program_id),
        )
        return quote_view(quote)

    @strawberry.field(permission_classes=requires("fees:read"), description="The rules that apply to you (bank default and your own), current and scheduled. Needs fees:read;"
                      " bank staff see every partner's rules.")
    async def fee_schedule(self, info: Info) -> list[FeeRule]:
        rules = await schedule.visible_schedule(info.context.principal)
        return [FeeRule.from_spec(rule) for rule in sorted(rules, key=lambda r: (r.kind, str(r.id)))]

    @strawberry.field(
        permission_classes=requires("revenue:read"),
        description="Bank staff only (revenue:read: admin, compliance, analyst): the fees of transactions created in"
        " [occurredFrom, occurredTo), summed per group and currency.",
    )
    async def fee_revenue(
        self, info: Info,
        occurred_from: Annotated[datetime, strawberry.argument(
            description="The period's start (inclusive), compared with each transaction's createdAt."
        )],
        occurred_to: Annotated[datetime, strawberry.argument(
            description="The period's end (exclusive); after occurredFrom (a VALIDATION error otherwise)."
        )],
        group_by: Annotated[RevenueGrouping, strawberry.argument(
            description="How to group the sums: PARTNER, KIND, CURRENCY or DAY (UTC); every group is also split by currency."
        )],
        environment: Annotated[PartnerEnvironment, strawberry.argument(
            description="Whose fees to sum: LIVE partners' (the default: sandbox test money never counts in live"
            " revenue) or SANDBOX partners' only."
        )] = PartnerEnvironment.LIVE,  # type: ignore[attr-defined]
    ) -> list[FeeRevenueLine]:
        lines = await fee_revenue(
            occurred_from=occurred_from, occurred_to=occurred_to, group_by=group_by.value, environment=environment.value
        )
        return [_revenue_line(line) for line in lines]


@strawberry.type
class FeeMutations:
    @strawberry.mutation(
        permission_classes=requires("fees:write"),
        description="Bank admin (fees:write): add a fee rule to the bank's default schedule or to one partner's. It"
        " applies from effectiveFrom, never retroactively.",
    )
    async def fee_rule_create(
        self, info: Info, input: Annotated[FeeRuleInput, strawberry.argument(description="The new rule's terms.")],
    ) -> FeeRulePayload:
        async def create() -> Any:
            terms = schedule.terms_from_input(_rule_terms(input))
            terms["partner_id"] = global_id_to_uuid(input.partner_id, "Partner") if input.partner_id else None
            if input.partner_id and terms["partner_id"] is None:
                raise NotFound("partner not found", field=["partnerId"])
            return await schedule.create_rule(terms=terms, created_by=actor_label(info))

        row, errors = await attempt(info, create())
        return _rule_payload(row, errors)

    @strawberry.mutation(
        permission_classes=requires("fees:write"),
        description="Bank admin (fees:write): a new version of a rule from its effective date; the old one ends then,"
        " so past transactions keep their fee.",
    )
    async def fee_rule_update(
        self, info: Info,
        input: Annotated[FeeRuleUpdateInput, strawberry.argument(description="The rule and its changed terms.")],
    ) -> FeeRulePayload:
        async def update() -> Any:
            rule = await schedule.get_rule(rule_id=global_id_to_uuid(input.rule_id, "FeeRule"))
            changes = schedule.terms_from_input({**_rule_terms(input), "currency": rule.rule.currency})
            return await schedule.update_rule(rule_id=rule.id, changes=changes, created_by=actor_label(info))

        row, errors = await attempt(info, update())
        return _rule_payload(row, errors)

    @strawberry.mutation(
        permission_classes=requires("fees:write"),
        description="Bank admin (fees:write): end a rule, from now or a future date; it charges nothing after that.",
    )
    async def fee_rule_retire(
        self, info: Info,
        input: Annotated[FeeRuleRetireInput, strawberry.argument(description="The rule and when it ends.")],
    ) -> FeeRulePayload:
        row, errors = await attempt(info, schedule.retire_rule(rule_id=global_id_to_uuid(input.rule_id, "FeeRule"), at=input.at))
        return _rule_payload(row, errors)

    @strawberry.mutation(
        permission_classes=requires("partners:write"),
        description="Bank admin (partners:write): set the partner's share of the fees its customers pay, from the next"
        " posting on.",
    )
    async def partner_fee_share_set(
        self, info: Info,
        input: Annotated[PartnerFeeShareInput, strawberry.argument(description="The partner and its share.")],
    ) -> PartnerFeeSharePayload:
        model, errors = await attempt(
            info, fee_share.set_fee_share(partner_id=global_id_to_uuid(input.partner_id, "Partner"), share_bps=input.share_bps)
        )
        return PartnerFeeSharePayload(partner=Partner.from_record(model) if model else None, user_errors=errors)
