"""Points programmes: pointsProgramCreate, pointsEarnRuleCreate/Update/Retire, pointsRedeem, and Customer.points."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.money import Money
from schema.common.permissions import partner_scope_or_staff, requires_partner
from schema.common.relay import global_id_to_uuid
from schema.common.scalars import Decimal
from schema.ledger.types import Transaction
from schema.points.types import CustomerPoints, PointsEarnRule, PointsProgram
from services.errors import NotFound
from services.points import programs, queries, redeeming, rule_admin

_REFUSALS = "Why nothing changed; empty on success."
# Partners manage their own programmes with customers:write (their own token: a customer token is refused); bank
# staff need fees:write (admin), as for fee rules: a programme's terms are priced terms.
_MANAGE = partner_scope_or_staff("customers:write", "fees:write")


def _id(global_id: strawberry.ID | None, type_name: str, field: str) -> Any:
    if global_id is None:
        return None
    value = global_id_to_uuid(global_id, type_name)
    if value is None:
        raise NotFound(f"{type_name[0].lower()}{type_name[1:]} not found", field=[field])
    return value


@strawberry.input(description="Money given as a decimal string in a currency.")
class PointsMoneyInput:
    amount: Decimal = strawberry.field(description='A positive decimal string, e.g. "0.01".')  # type: ignore[valid-type]
    currency: str = strawberry.field(description="An ISO 4217 currency the bank offers.")


@strawberry.input(description="A new points programme.")
class PointsProgramCreateInput:
    name: str = strawberry.field(description="1 to 100 characters.")
    unit_code: str = strawberry.field(
        description="The points unit: 3 letters (e.g. PTS), never an ISO 4217 currency code (VALIDATION)."
    )
    value_per_point: PointsMoneyInput = strawberry.field(
        description="What one point pays out when redeemed, in the currency of fundingWalletId."
    )
    expiry_months: int = strawberry.field(description="Each earning expires this many months later (1 to 120).")
    funding_wallet_id: strawberry.ID = strawberry.field(
        description="The ACTIVE wallet redemptions are paid from, in valuePerPoint's currency: one of your own"
        " (NOT_FOUND otherwise)."
    )
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff only: the partner whose programme it is; null (staff): the bank's own."
    )


@strawberry.type(description="The programme created, or why nothing was.")
class PointsProgramPayload:
    program: PointsProgram | None = strawberry.field(description="The programme; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description=f"{_REFUSALS} VALIDATION, INVALID_AMOUNT, UNSUPPORTED_CURRENCY or NOT_FOUND (fundingWalletId)."
    )


@strawberry.input(description="An earn rule's terms. On update, only the terms given change.")
class PointsEarnRuleInput:
    program_id: strawberry.ID | None = strawberry.field(
        default=None, description="pointsEarnRuleCreate: the programme (one you manage; NOT_FOUND otherwise)."
    )
    rule_id: strawberry.ID | None = strawberry.field(
        default=None, description="pointsEarnRuleUpdate: the ACTIVE rule to change."
    )
    kind: str | None = strawberry.field(default=None, description="PAYMENT or TRANSFER (required on create).")
    points_per_unit: int | None = strawberry.field(default=None, description="Points per whole spendUnit (positive).")
    spend_unit: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description='The spend that earns pointsPerUnit, in the programme\'s currency (e.g. "1.00").'
    )
    mcc: str | None = strawberry.field(default=None, description="Only this merchant category (4 digits).")
    merchant_id: strawberry.ID | None = strawberry.field(default=None, description="Only this merchant.")
    valid_from: datetime | None = strawberry.field(default=None, description="Campaign start (inclusive).")
    valid_to: datetime | None = strawberry.field(default=None, description="Campaign end (exclusive).")
    per_transaction_cap: int | None = strawberry.field(default=None, description="Most points per transaction.")
    per_month_cap: int | None = strawberry.field(
        default=None, description="Most points per customer and calendar month from this rule."
    )


@strawberry.input(description="Which earn rule to retire.")
class PointsEarnRuleRetireInput:
    rule_id: strawberry.ID = strawberry.field(description="The ACTIVE rule (one of a programme you manage).")


@strawberry.type(description="The rule as stored, or why nothing changed.")
class PointsEarnRulePayload:
    rule: PointsEarnRule | None = strawberry.field(description="The rule; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description=f"{_REFUSALS} VALIDATION (terms, a retired rule), INVALID_AMOUNT (spendUnit) or NOT_FOUND."
    )


@strawberry.input(description="Points to convert into wallet money.")
class PointsRedeemInput:
    customer_id: strawberry.ID = strawberry.field(description="Your customer (its oldest ACTIVE wallet in the"
                                                  " programme's currency receives the money).")
    program_id: strawberry.ID = strawberry.field(description="The programme (yours, or the bank's).")
    points: int = strawberry.field(description="How many whole points (positive).")
    idempotency_key: str = strawberry.field(
        description="Your unique key for this redemption: a retry with the same key and input answers the original."
    )


@strawberry.type(description="The money posting of the redemption, or why nothing moved.")
class PointsRedeemPayload:
    transaction: Transaction | None = strawberry.field(
        description="The TRANSFER from the programme's funding wallet to the customer's wallet; null on refusal."
    )
    points: int | None = strawberry.field(description="The points redeemed; null when userErrors is not empty.")
    amount: Money | None = strawberry.field(description="The money credited; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing moved; empty on success. INSUFFICIENT_POINTS (more than the customer's unexpired"
        " points), NOT_FOUND, VALIDATION, INSUFFICIENT_FUNDS (the funding wallet), WALLET_NOT_ACTIVE, LIMIT_EXCEEDED,"
        " COMPLIANCE_HOLD or IDEMPOTENCY_CONFLICT."
    )


def _terms(input: PointsEarnRuleInput) -> rule_admin.RuleTerms:
    return rule_admin.RuleTerms(
        kind=input.kind, points_per_unit=input.points_per_unit, spend_unit=input.spend_unit, mcc=input.mcc,
        merchant_id=_id(input.merchant_id, "Merchant", "merchantId"), valid_from=input.valid_from,
        valid_to=input.valid_to, per_transaction_cap=input.per_transaction_cap, per_month_cap=input.per_month_cap,
    )


async def customer_points(info: Info, customer_id: uuid.UUID, program_id: strawberry.ID) -> CustomerPoints:
    """Customer.points: the customer's points in a programme its caller may see (NOT_FOUND otherwise)."""
    program = await programs.visible_program(info.context.principal, _id(program_id, "PointsProgram", "programId"))
    balance = await queries.points_balance(program.id, customer_id)
    return CustomerPoints(balance=balance.balance, _balance=balance)


@strawberry.type
class PointsMutations:
    @strawberry.mutation(
        permission_classes=_MANAGE,
        description="Create a points programme: a partner's own (its token, customers:write), or the bank's across"
        " partners (staff with fees:write). Audited.",
    )
    async def points_program_create(
        self, info: Info,
        input: Annotated[PointsProgramCreateInput, strawberry.argument(description="The programme's terms.")],
    ) -> PointsProgramPayload:
        async def run() -> Any:
            return await programs.create_program(principal=info.context.principal, terms=programs.ProgramTerms(
                name=input.name, unit_code=input.unit_code, value_amount=input.value_per_point.amount,
                value_currency=input.value_per_point.currency, expiry_months=input.expiry_months,
                funding_wallet_id=_id(input.funding_wallet_id, "Wallet", "fundingWalletId"),
                partner_id=_id(input.partner_id, "Partner", "partnerId")), audit=audit_note(info))

        record, errors = await attempt(info, run())
        return PointsProgramPayload(program=PointsProgram.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=_MANAGE,
                         description="Add an earn rule to a programme you manage. Audited; points_rule.created.")
    async def points_earn_rule_create(
        self, info: Info, input: Annotated[PointsEarnRuleInput, strawberry.argument(description="The rule's terms.")],
    ) -> PointsEarnRulePayload:
        async def run() -> Any:
            return await rule_admin.create_rule(principal=info.context.principal, terms=_terms(input),
                                                program_id=_id(input.program_id, "PointsProgram", "programId"),
                                                audit=audit_note(info))

        record, errors = await attempt(info, run())
        return PointsEarnRulePayload(rule=PointsEarnRule.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=_MANAGE,
                         description="Change an active earn rule's terms (its version rises). Audited; points_rule.updated.")
    async def points_earn_rule_update(
        self, info: Info, input: Annotated[PointsEarnRuleInput, strawberry.argument(description="ruleId and terms.")],
    ) -> PointsEarnRulePayload:
        async def run() -> Any:
            return await rule_admin.update_rule(principal=info.context.principal, terms=_terms(input),
                                                rule_id=_id(input.rule_id, "PointsEarnRule", "ruleId"),
                                                audit=audit_note(info))

        record, errors = await attempt(info, run())
        return PointsEarnRulePayload(rule=PointsEarnRule.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=_MANAGE,
                         description="Retire an earn rule: it earns nothing more. Audited; points_rule.retired.")
    async def points_earn_rule_retire(
        self, info: Info, input: Annotated[PointsEarnRuleRetireInput, strawberry.argument(description="Which earn rule to retire.")],
    ) -> PointsEarnRulePayload:
        async def run() -> Any:
            return await rule_admin.retire_rule(principal=info.context.principal,
                                                rule_id=_id(input.rule_id, "PointsEarnRule", "ruleId"),
                                                audit=audit_note(info))

        record, errors = await attempt(info, run())
        return PointsEarnRulePayload(rule=PointsEarnRule.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires_partner("transactions:write"),
        description="Convert a customer's points into wallet money: points -> the programme's REDEEMED account and"
        " the money from its funding wallet to the customer's wallet, in one atomic posting; oldest points first."
        " The partner's own token. Idempotent by idempotencyKey.",
    )
    async def points_redeem(
        self, info: Info, input: Annotated[PointsRedeemInput, strawberry.argument(description="What to redeem.")],
    ) -> PointsRedeemPayload:
        async def run() -> Any:
            return await redeeming.redeem(
                principal=info.context.principal, customer_id=_id(input.customer_id, "Customer", "customerId"),
                program_id=_id(input.program_id, "PointsProgram", "programId"), points=input.points,
                idempotency_key=input.idempotency_key, audit=audit_note(info))

        record, errors = await attempt(info, run())
        return PointsRedeemPayload(
            transaction=Transaction.from_record(record.transaction) if record else None,
            points=record.points if record else None,
            amount=Money.of(record.transaction.amount_minor, record.transaction.currency) if record else None,
            user_errors=errors,
        )
