"""Assemble the GraphQL schema from each domain's queries and mutations."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from schema.aml.operations import AmlMutations, AmlQueries
from schema.business.operations import BusinessMutations, BusinessQueries  # issue 16 parts 5-6 (helper G1)
from schema.business.bulk_operations import BulkPayoutMutations, BulkPayoutQueries  # issue 16 part 7
from schema.common.scalars import SCALAR_MAP
from schema.customers.operations import CustomerMutations, CustomerQueries
from schema.customers.profile import CustomerAccountMutations
from schema.customers.types import Customer
from schema.compliance.operations import ComplianceMutations, ComplianceQueries
from schema.compliance.strong_auth import StrongAuthMutations
from schema.audit_extension import AuditTrail
from schema.extensions import LoggedSchema, PublicErrorsOnly
from schema.ledger.operations import LedgerMutations, LedgerQueries
from schema.ledger.sandbox import SandboxMutations
from schema.ledger.types import Transaction
from schema.merchants.operations import MerchantMutations, MerchantQueries
from schema.funding.operations import FundingMutations, FundingQueries
from schema.cross_border.operations import CrossBorderMutations, CrossBorderQueries  # issue 14 part 7 (helper A)
from schema.ledger.reversal import ReversalMutations
from schema.payments.authorizations import AuthorizationMutations, AuthorizationQueries
from schema.payments.operations import PaymentMutations, PaymentQueries
from schema.payment_codes.operations import PaymentCodeMutations
from schema.points.operations import PointsMutations
from schema.support.operations import SupportMutations, SupportQueries  # issue 16 part 2 (helper F)
from schema.disputes.operations import DisputeMutations, DisputeQueries  # issue 16 part 3 (helper F)
from schema.coupons.operations import CouponMutations  # issue 15 part 4: coupon campaigns (helper B)
from schema.insights.operations import InsightsQueries  # issue 15 part 5 (helper C)
from schema.reporting.operations import ReportingQueries  # issue 17 part 1: staff reports
from schema.ledger.batch import BatchMutations  # issue 18 part 4: transfersCreate
from schema.offers.operations import OfferMutations, OfferQueries  # issue 15 part 6 (helper C)
from schema.audit.operations import AuditQueries
from schema.events.operations import EventQueries
from schema.fees.operations import FeeMutations, FeeQueries
from schema.fx.operations import FxMutations, FxQueries
from schema.help.operations import HelpMutations, HelpQueries  # issue 16 part 1: help centre (helper E)
from schema.kyc.operations import KycMutations, KycQueries
from schema.partners.operations import PartnerMutations, PartnerQueries
from schema.reconciliation.operations import ReconciliationMutations, ReconciliationQueries
from schema.staff.operations import StaffMutations, StaffQueries
from schema.statements.operations import StatementQueries
from schema.subscriptions.operations import Subscription
from schema.tokens.operations import TokenMutations
from schema.viewer import ViewerQueries
from schema.wallets.closing import WalletAccountMutations
from schema.wallets.freeze import WalletFreezeMutations
from schema.wallets.operations import WalletMutations, WalletQueries
from schema.wallets.types import Wallet
from schema.webhooks.operations import WebhookMutations, WebhookQueries

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000
_LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


@strawberry.type(
    description="Everything you can read. Apart from viewer, node and nodes, each field needs a scope of your token"
    " (partner or customer) or a permission of your staff role, else it answers a FORBIDDEN error; another partner's"
    " object answers exactly like a missing one (NOT_FOUND), and lists are Relay connections of at most 100 a page."
)
class Query(ViewerQueries, CustomerQueries, WalletQueries, LedgerQueries, PartnerQueries, AuditQueries, FeeQueries, AmlQueries,
            KycQueries, ComplianceQueries, StaffQueries, EventQueries, WebhookQueries, MerchantQueries,
            PaymentQueries, AuthorizationQueries, FundingQueries, FxQueries, ReconciliationQueries, StatementQueries,
            CrossBorderQueries,  # issue 14 part 7: beneficiaries, international transfers (helper A)
            SupportQueries, DisputeQueries,  # issue 16: support tickets, disputes (helper F)
            InsightsQueries, OfferQueries,  # issue 15: spending insights, offers (helper C)
            HelpQueries,  # issue 16 part 1: help centre (schema.help)
            BulkPayoutQueries,
            BusinessQueries,  # issue 16 parts 5-6: business members, payout requests (helper G1)
            ReportingQueries):  # issue 17 part 1: the staff reporting queries
    pass


@strawberry.type(
    description="Everything you can change, each with one `input` argument. A business refusal comes back in the"
    " payload's userErrors with a stable ErrorCode (nothing was changed); a missing scope or role is a FORBIDDEN"
    " error, and money-moving mutations take an idempotencyKey so a retry never pays twice."
)
class Mutation(CustomerMutations, WalletMutations, LedgerMutations, BatchMutations, TokenMutations, PartnerMutations, FeeMutations, WalletFreezeMutations, AmlMutations,
               KycMutations, ComplianceMutations, StrongAuthMutations, StaffMutations, CustomerAccountMutations,
               WalletAccountMutations, SandboxMutations, WebhookMutations, MerchantMutations,
               PaymentMutations, AuthorizationMutations, ReversalMutations, PaymentCodeMutations, FundingMutations,
               PointsMutations,  # issue 15: points programmes (schema.points)
               SupportMutations, DisputeMutations,  # issue 16: support tickets, disputes (helper F)
               CouponMutations,  # issue 15: coupon campaigns (schema.coupons)
               OfferMutations,  # issue 15: consents and offers (schema.offers)
               HelpMutations,  # issue 16 part 1: help centre (schema.help)
               FxMutations, ReconciliationMutations,
               CrossBorderMutations,  # issue 14 part 7: beneficiaries, international transfers (helper A)
               BulkPayoutMutations,
               BusinessMutations):  # issue 16 parts 5-6: business members, payout requests (helper G1)
    pass


def build_schema(*, production: bool = False) -> strawberry.Schema:
    """The API schema with its limits, caches, audit trail and error masking.

    In production, introspection is off and error messages carry no field
    suggestions ("Did you mean ...?") that would map the schema for a prober.
    """
    extensions: list = [
        # The same rule objects for every request: the validation cache is keyed
        # by the rules, so fresh limiter instances per request would never hit it.
        lambda: AddValidationRules(_LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        AuditTrail,
        (lambda: PublicErrorsOnly(hide_suggestions=True)) if production else PublicErrorsOnly,
    ]
    if production:
        extensions.insert(0, DisableIntrospection)
    return LoggedSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,  # issue 12: live updates over graphql-transport-ws
        types=[Customer, Wallet, Transaction],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
        extensions=extensions,
    )


schema = build_schema()
