"""Points programmes as GraphQL types: programmes, earn rules, and a customer's points (Customer.points)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from services.points import queries
from services.points.queries import PointsBalance, PointsMovement
from services.points.records import ProgramRecord, RuleRecord


@strawberry.type(
    description="A points programme (pointsProgramCreate): a partner's own, or the bank's across partners. Points are"
    " a ledger asset in the programme's unit (whole points), so issued = outstanding + redeemed + expired always"
    " holds (qianbao ledger verify checks it)."
)
class PointsProgram(Node):
    name: str = strawberry.field(description="The programme's name, as customers see it.")
    unit_code: str = strawberry.field(description="The points unit (3 upper-case letters, never an ISO 4217 code).")
    value_per_point: Money = strawberry.field(
        description="What one point pays out when redeemed (pointsRedeem), in the programme's currency."
    )
    expiry_months: int = strawberry.field(description="Each earning (lot) expires this many calendar months later.")
    partner_id: strawberry.ID | None = strawberry.field(
        description="The partner that runs it (a Partner global ID); null for the bank's own programme."
    )
    funding_wallet_id: strawberry.ID = strawberry.field(
        description="The wallet redemptions are paid from (a Wallet global ID)."
    )
    created_at: datetime = strawberry.field(description="When the programme was created (UTC).")

    @classmethod
    def from_record(cls, record: ProgramRecord) -> PointsProgram:
        """The GraphQL view of a programme."""
        return cls(
            id=to_global_id("PointsProgram", record.id), name=record.name, unit_code=record.unit_code,
            value_per_point=Money.of(record.value_minor_per_point, record.value_currency),
            expiry_months=record.expiry_months, created_at=record.created_at,
            partner_id=to_global_id("Partner", record.partner_id) if record.partner_id else None,
            funding_wallet_id=to_global_id("Wallet", record.funding_wallet_id),
        )


@strawberry.type(
    description="An earn rule of a points programme: pointsPerUnit points for every whole spendUnit spent, on the"
    " transactions it selects, within its caps. The most specific applicable rule of a programme earns (merchant,"
    " then category, then general); rules do not stack."
)
class PointsEarnRule(Node):
    program_id: strawberry.ID = strawberry.field(description="Its programme (a PointsProgram global ID).")
    kind: str = strawberry.field(description="The transactions it earns on: PAYMENT or TRANSFER.")
    points_per_unit: int = strawberry.field(description="Points per whole spendUnit spent.")
    spend_unit: Money = strawberry.field(description="The spend that earns pointsPerUnit (e.g. 1.00 CNY).")
    mcc: str | None = strawberry.field(description="Only payments to merchants of this category (ISO 18245); null: any.")
    merchant_id: strawberry.ID | None = strawberry.field(
        description="Only payments to this merchant (a Merchant global ID); null: any."
    )
    valid_from: datetime | None = strawberry.field(description="The campaign's start (inclusive); null: always.")
    valid_to: datetime | None = strawberry.field(description="The campaign's end (exclusive); null: no end.")
    per_transaction_cap: int | None = strawberry.field(description="At most this many points per transaction.")
    per_month_cap: int | None = strawberry.field(
        description="At most this many points per customer and calendar month (UTC) from this rule."
    )
    status: str = strawberry.field(description="ACTIVE, or RETIRED (pointsEarnRuleRetire): earns nothing more.")
    version: int = strawberry.field(description="1 when created, +1 with every update and the retirement.")

    @classmethod
    def from_record(cls, record: RuleRecord) -> PointsEarnRule:
        """The GraphQL view of a rule."""
        return cls(
            id=to_global_id("PointsEarnRule", record.id), program_id=to_global_id("PointsProgram", record.program_id),
            kind=record.kind, points_per_unit=record.points_per_unit,
            spend_unit=Money.of(record.unit_minor, record.currency), mcc=record.mcc,
            merchant_id=to_global_id("Merchant", record.merchant_id) if record.merchant_id else None,
            valid_from=record.valid_from, valid_to=record.valid_to, per_transaction_cap=record.per_transaction_cap,
            per_month_cap=record.per_month_cap, status=record.status, version=record.version,
        )


@strawberry.type(description="One posting on a customer's points: earned, clawed back, redeemed or expired.")
class PointsMovementView:
    kind: str = strawberry.field(
        description="POINTS_EARN, POINTS_CLAWBACK (a refund or reversal), POINTS_REDEEM or POINTS_EXPIRY."
    )
    points: int = strawberry.field(description="Signed whole points: positive in, negative out.")
    at: datetime = strawberry.field(description="When it was booked (UTC).")
    transaction_id: strawberry.ID = strawberry.field(description="Its ledger transaction (a Transaction global ID).")
    cursor: str = strawberry.field(description="Pass as `after` to read the postings older than this one.")

    @classmethod
    def of(cls, movement: PointsMovement) -> PointsMovementView:
        """The GraphQL view of a points posting."""
        return cls(kind=movement.kind, points=movement.points, at=movement.at, cursor=str(movement.entry_id),
                   transaction_id=to_global_id("Transaction", movement.transaction_id))


@strawberry.type(description="A customer's points in one programme (Customer.points).")
class CustomerPoints:
    balance: int = strawberry.field(
        description="The points the customer may redeem now: booked points less any that expired and await the sweep."
    )
    _balance: strawberry.Private[PointsBalance]

    @strawberry.field(description="The customer's points that expire within `days` days from now (oldest first).")
    async def expiring_soon(
        self, info: Info,
        days: Annotated[int, strawberry.argument(description="How many days ahead to look (1 to 3660).")] = 30,
    ) -> int:
        return await queries.expiring_soon(self._balance.program_id, self._balance.customer_id, days)

    @strawberry.field(description="The customer's points postings, newest first.")
    async def history(
        self, info: Info,
        first: Annotated[int, strawberry.argument(description="How many (1 to 100).")] = 20,
        after: Annotated[str | None, strawberry.argument(
            description="A cursor from an earlier page: only older postings.")] = None,
    ) -> list[PointsMovementView]:
        cursor = int(after) if after is not None and after.isdigit() else None
        return [PointsMovementView.of(m) for m in await queries.history(self._balance.account_id, first=first,
                                                                         after=cursor)]
