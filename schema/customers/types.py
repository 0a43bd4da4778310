"""GraphQL types of customers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from services.compliance.remaining_limits import customer_limits
from services.customer_profile import masked_address
from services.customers import CustomerRecord
from services.money import CURRENCY_EXPONENTS
from schema.common.context import Info
from schema.customers.account_types import CustomerOwnLimit, CustomerStatus
from schema.common.enums import CustomerKind, KycStatus, PartnerEnvironment
from schema.common.permissions import requires
from schema.common.relay import AfterArg, BeforeArg, Connection, FirstArg, LastArg, Node, to_global_id
from schema.loaders import WALLET_PAGE_ARGS, page_key

if TYPE_CHECKING:
    from schema.compliance.types import CustomerLimit
    from schema.points.types import CustomerPoints
    from schema.coupons.types import Coupon, CouponStatus
    from schema.offers.types import CustomerConsent
    from schema.wallets.types import Wallet


@strawberry.type(description="A partner's end customer: a person or a small business.")
class Customer(Node):
    external_ref: str = strawberry.field(
        description="The partner's own id for this customer, 1 to 128 characters, unique per partner; find the"
        " customer by it with customers(externalRef:)."
    )
    kind: CustomerKind = strawberry.field(
        description="INDIVIDUAL (a person) or BUSINESS (a small business), fixed at customerCreate."
    )
    display_name: str = strawberry.field(
        description="The customer's name, 1 to 200 characters; screened against the watchlists at customerCreate and"
        " whenever customerUpdate changes it."
    )
    email: str | None = strawberry.field(description="The e-mail address, in lower case; null when none was given.")
    phone: str | None = strawberry.field(
        description="The phone number in E.164 form (+ and 7 to 15 digits), e.g. +8613800138000; null when none was"
        " given."
    )
    country: str = strawberry.field(
        description="Country of residence, an upper-case ISO 3166-1 alpha-2 code such as CN, fixed at customerCreate:"
        " it picks the regional policy pack whose KYC tiers and limits apply."
    )
    kyc_status: KycStatus = strawberry.field(
        description="Where the customer's identity verification stands: NONE until a first kycSubmit, then as the"
        " bank's review decides."
    )
    kyc_tier: int = strawberry.field(
        description="The KYC tier the bank granted on approval (a tier of the country's policy pack), which sets the"
        " customer's limits: 0 until a submission is approved, and 0 again after a rejection."
    )
    created_at: datetime = strawberry.field(description="When the customer was onboarded (customerCreate), in UTC.")
    status: CustomerStatus = strawberry.field(description="ACTIVE, or CLOSED for good (customerClose).")
    closed_at: datetime | None = strawberry.field(description="When customerClose closed the customer (null while ACTIVE).")
    _record: strawberry.Private[CustomerRecord]

    @classmethod
    def from_record(cls, record: CustomerRecord) -> Customer:
        """The GraphQL view of a customer."""
        return cls(
            id=to_global_id("Customer", record.id),
            external_ref=record.external_ref,
            kind=CustomerKind(record.kind.value),
            display_name=record.display_name,
            email=record.email,
            phone=record.phone,
            country=record.country,
            kyc_status=KycStatus(record.kyc_status.value),
            kyc_tier=record.kyc_tier,
            created_at=record.created_at,
            status=CustomerStatus(record.status.value),
            closed_at=record.closed_at,
            _record=record,
        )

    @strawberry.field(
        description="The environment of the customer's partner, LIVE or SANDBOX: a sandbox customer's money is test"
        " money. Bank staff, who read both environments, see which one each customer belongs to."
    )
    async def environment(self, info: Info) -> PartnerEnvironment:
        found = await info.context.loaders.partner_environment.load(self._record.partner_id)
        return found or PartnerEnvironment.LIVE  # type: ignore[attr-defined]

    @strawberry.field(
        description="The postal address (customerUpdate), masked to its last four characters: it is stored encrypted"
        " and never shown in clear through the API."
    )
    async def address(self) -> str | None:
        return await masked_address(self._record)

    @strawberry.field(
        description="The limits the customer set itself (customerLimitsSet), one entry per currency; empty when it set"
        " none."
    )
    async def own_limits(self, info: Info) -> list[CustomerOwnLimit]:
        return [CustomerOwnLimit.of(limit) for limit in (await info.context.loaders.customer_own_limits.load(self._record.id)).values()]

    @strawberry.field(permission_classes=requires("wallets:read"), description="This customer's wallets, oldest first.")
    async def wallets(
        self, info: Info, first: FirstArg = None, after: AfterArg = None, last: LastArg = None, before: BeforeArg = None,
    ) -> Connection[Annotated["Wallet", strawberry.lazy("schema.wallets.types")]]:
        from schema.wallets.types import Wallet

        key = page_key(self._record.id, WALLET_PAGE_ARGS, first=first, after=after, last=last, before=before)
        page = await info.context.loaders.customer_wallets.load(key)
        return Connection.from_page(page, Wallet.from_record)

    @strawberry.field(
        permission_classes=requires("customers:read"),
        description="The customer's coupons (issue 15), oldest first: issued to it or claimed with a code; pass an"
        " ISSUED coupon's id in paymentCreate's couponIds."
    )
    async def coupons(
        self, info: Info, first: FirstArg = None, after: AfterArg = None,
        status: Annotated[Annotated["CouponStatus", strawberry.lazy("schema.coupons.types")] | None,
                          strawberry.argument(description="Only coupons in this state.")] = None,
    ) -> Connection[Annotated["Coupon", strawberry.lazy("schema.coupons.types")]]:
        from schema.coupons.operations import customer_coupons

        return await customer_coupons(info, self._record.id, status, first, after)

    @strawberry.field(
        description="The customer's points in one programme (issue 15): its balance, what expires soon and its"
        " history. NOT_FOUND for a programme you may not see."
    )
    async def points(
        self, info: Info,
        program_id: Annotated[strawberry.ID, strawberry.argument(description="The programme (a PointsProgram ID).")],
    ) -> Annotated["CustomerPoints", strawberry.lazy("schema.points.types")]:
        from schema.points.operations import customer_points

        return await customer_points(info, self._record.id, program_id)

    @strawberry.field(
        permission_classes=requires("customers:read"),
        description="The customer's consents in force (issue 15): the newest decision of each kind it ever made"
        " (customerConsentSet), in kind order; a kind never decided is absent (not granted)."
    )
    async def consents(self, info: Info) -> list[Annotated["CustomerConsent", strawberry.lazy("schema.offers.types")]]:
        from schema.offers.types import CustomerConsent
        from services.consent.records import current_consents

        return [CustomerConsent.from_record(record) for record in await current_consents(self._record.id)]

    @strawberry.field(
        description="What the customer's KYC tier allows and what remains of each limit now: in `currency`,"
        " or in each currency of its wallets."
    )
    async def limits(
        self, info: Info,
        currency: Annotated[str | None, strawberry.argument(
            description="Only this ISO 4217 currency (case-insensitive), even without a wallet in it; a code the bank"
            " does not offer answers an empty list. Left out: each currency the customer holds a wallet in."
        )] = None,
    ) -> list[Annotated["CustomerLimit", strawberry.lazy("schema.compliance.types")]]:
        from schema.compliance.types import CustomerLimit

        if currency is not None and currency.strip().upper() not in CURRENCY_EXPONENTS:
            return []
        return [CustomerLimit.of(view) for view in await customer_limits(customer_id=self._record.id, country=self._record.country, kyc_tier=self._record.kyc_tier, currency=currency)]
