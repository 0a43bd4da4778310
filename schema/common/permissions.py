"""Permission rules. Every field of the schema is guarded: root fields and
fields that reach another object carry a scope rule, and the remaining
types are listed in INHERITS_PARENT_ACCESS (tests/api/test_schema_permissions.py
walks the schema and fails on any field that is neither)."""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry.permission import BasePermission

from schema.common.public_error import Forbidden


class Authenticated(BasePermission):
    """Any verified caller (the HTTP layer already refused anonymous requests)."""

    message = "authentication required"
    error_class = Forbidden
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.principal is not None


class _ScopePermission(BasePermission):
    scope = ""
    error_class = Forbidden
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and principal.has_scope(self.scope)


@cache
def scope(name: str) -> type[BasePermission]:
    """A permission class that requires one OAuth scope."""
    return type(
        f"RequiresScope_{name.replace(':', '_')}",
        (_ScopePermission,),
        {"scope": name, "message": f"this operation needs the {name} scope"},
    )


def requires(name: str) -> list[type[BasePermission]]:
    """permission_classes for a field that needs one scope (or, for staff, one role permission)."""
    return [scope(name)]


class PartnerToken(BasePermission):
    """Only the partner's own token: not a delegated customer token, not staff."""

    message = "this operation needs the partner's own token"
    error_class = Forbidden
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and principal.kind == "partner"


class SandboxToken(BasePermission):
    """Only a sandbox partner's token (its `env` claim, checked against the partner at every request)."""

    message = "this operation is for sandbox partners only (partnerCreate with environment SANDBOX)"
    error_class = Forbidden
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and principal.is_sandbox


class _StaffPermission(BasePermission):
    staff_scope = ""
    error_class = Forbidden
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and (not principal.is_staff or principal.has_scope(self.staff_scope))


@cache
def staff_needs(name: str) -> type[BasePermission]:
    """A permission class that lets partner and customer tokens through (their service limits
    them to their own objects) but requires a role permission of bank staff."""
    return type(
        f"StaffNeeds_{name.replace(':', '_')}",
        (_StaffPermission,),
        {"staff_scope": name, "message": f"this operation needs the {name} permission"},
    )


class _PartnerScopePermission(BasePermission):
    """A scope that partner and customer tokens must hold; staff pass to their own rule (staff_needs)."""

    scope = ""
    error_class = Forbidden
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and (principal.is_staff or principal.has_scope(self.scope))


@cache
def partner_scope(name: str) -> type[BasePermission]:
    """A permission class that requires one OAuth scope of partner and customer tokens, and lets staff through."""
    return type(
        f"PartnerScope_{name.replace(':', '_')}",
        (_PartnerScopePermission,),
        {"scope": name, "message": f"this operation needs the {name} scope"},
    )


def partner_scope_or_staff(partner: str, staff: str) -> list[type[BasePermission]]:
    """permission_classes for a field partners reach with one scope and bank staff with another role permission."""
    return [partner_scope(partner), staff_needs(staff)]


def requires_partner(name: str) -> list[type[BasePermission]]:
    """permission_classes for partner-only operations (onboarding, top-ups, minting tokens)."""
    return [PartnerToken, scope(name)]


def requires_sandbox_partner(name: str) -> list[type[BasePermission]]:
    """permission_classes for a sandbox partner's own token only (sandboxFund)."""
    return [PartnerToken, SandboxToken, scope(name)]


# Types only reachable through a guarded field; their plain fields show no
# more than the guard already allowed. A type that links to another object
# must guard that link with its own scope rule.
INHERITS_PARENT_ACCESS: frozenset[str] = frozenset(
    {
        "Viewer", "Partner", "Customer", "Wallet", "Transaction", "Entry", "Money", "UserError", "PageInfo",
        # The report* rows (reports:read on every root field; IDs only, no Node links).
        "VolumeReportRow", "ActiveUsersRow", "RevenueReportRow", "KycFunnelReport", "AmlAlertReportRow",
        "TopMerchantRow", "TopCategoryRow", "SupportSlaReport", "ReconciliationOpenRow",
        "AuditChainStatus",  # auditChainStatus (audit:read)
        "RailTransfer",  # read through its transaction (transactions:read) or node(id) (transactions:read)
        # walletStatement (transactions:read): its balances, totals and lines (no Node links, only IDs).
        "WalletStatement", "StatementLine", "StatementKindTotal", "StatementLineConnection", "StatementLineEdge",
        # FX: reached only through guarded root fields (fxRates, fxRateSet, fxQuote, walletConvert) or node(id).
        "FxQuote", "FxQuotePayload", "FxRate", "FxRateConnection", "FxRateEdge", "FxRateSetPayload",
        "WalletConvertPayload",
        "CustomerLimit", "LimitRemaining", "CompliancePolicy", "PolicyTier", "TierLimit", "AmlRuleSetting",
        "AmlRuleParameter", "CompliancePolicyPayload", "StrongAuthRule", "CustomerAuthentication",
        "PartnerStrongAuthPayload",
        "CustomerConnection", "CustomerEdge", "WalletConnection", "WalletEdge",
        "TransactionConnection", "TransactionEdge",
        "CustomerCreatePayload", "WalletOpenPayload", "WalletTopUpPayload",
        "TransferCreatePayload", "WithdrawalCreatePayload", "TransfersCreatePayload", "TransferBatchItem",
        "ApiClient", "PartnerConnection", "PartnerEdge", "PartnerCreatePayload", "PartnerStatusPayload",
        "ApiClientPayload", "ApiClientSecretPayload", "CustomerTokenCreatePayload", "TokenRevokePayload",
        "AuditEvent", "AuditEventConnection", "AuditEventEdge",
        "FeeRule", "FeeQuote", "FeeRevenueLine", "FeeRulePayload", "PartnerFeeSharePayload",
        "WalletStatusPayload",
        "AmlAlert", "AmlEvidence", "AmlAlertConnection", "AmlAlertEdge", "AmlCase", "AmlCaseConnection", "AmlCaseEdge", "AmlCaseNote",
        "AmlCasePayload", "AmlCaseNoteAddPayload", "AmlAlertResolvePayload",
        "KycSubmission", "KycSubmissionConnection", "KycSubmissionEdge", "KycDocument", "KycBusiness",
        "KycBeneficialOwner", "KycScreening", "KycSubmitPayload", "KycReviewPayload", "KycRevealPayload",
        "StaffUser", "StaffUserConnection", "StaffUserEdge", "StaffUserPayload",
        "CustomerOwnLimit", "CustomerUpdatePayload", "CustomerLimitsSetPayload", "CustomerClosePayload",
        "WalletClosePayload", "WalletNicknameSetPayload",
        "SandboxFundPayload",
        "Event", "EventData", "EventConnection", "EventEdge",
        "WebhookEndpoint", "WebhookEndpointConnection", "WebhookEndpointEdge", "WebhookDelivery",
        "WebhookDeliveryConnection", "WebhookDeliveryEdge", "WebhookPing", "WebhookEndpointPayload",
        "WebhookEndpointSecretPayload", "WebhookEndpointDeletePayload", "WebhookDeliveryPayload", "WebhookTestPayload",
        "Merchant", "MerchantConnection", "MerchantEdge", "MerchantPayload", "MerchantSettlePayload",
        "MerchantSettlementResult", "PaymentRequest",
        "PaymentRequestCreatePayload", "QrPaymentPreview", "MerchantProfile",
        "Payment", "Refund", "PaymentCreatePayload", "RefundCreatePayload", "PaymentAuthorization",
        "AuthorizationPayload", "AuthorizationCapturePayload", "PaymentCode", "PaymentCodeCreatePayload",
        "PaymentCollectPayload", "TransactionReversePayload",
        "ReconciliationException", "ReconciliationExceptionConnection", "ReconciliationExceptionEdge",
        "ReconciliationExceptionResolvePayload", "ReconciliationReport", "ReconciliationSide", "ReconciliationFlow",
        "BankAccount", "BankAccountConnection", "BankAccountEdge", "BankAccountPayload",
        # International transfers (issue 14 part 7): reached through guarded root fields (beneficiary*,
        # internationalTransfer*) or node(id); their links are IDs only.
        "Beneficiary", "BeneficiaryConnection", "BeneficiaryEdge", "BeneficiaryPayload", "InternationalTransfer",
        "InternationalTransferPayload", "CrossBorderRules",  # CompliancePolicy.crossBorder (policies:read)
        "Card", "CardConnection", "CardEdge", "CardPayload",
        # Points programmes (issue 15): reached through guarded mutations, Customer.points or node(id).
        "PointsProgram", "PointsEarnRule", "PointsProgramPayload", "PointsEarnRulePayload", "PointsRedeemPayload",
        "CustomerPoints", "PointsMovementView",
        # Coupon campaigns (issue 15 part 4): reached through guarded mutations, Customer.coupons or node(id).
        "CouponCampaign", "Coupon", "CouponCampaignPayload", "CouponIssuePayload", "CouponClaimPayload", "CouponRefusal",
        "CouponConnection", "CouponEdge",
        # Business members and payout requests (issue 16 parts 5-6): reached through guarded root fields
        # (businessMember*, businessApprovalPolicy*, payoutRequest*) or node(id); their links are IDs only.
        "BusinessMember", "BusinessMemberConnection", "BusinessMemberEdge", "BusinessMemberPayload",
        "BusinessApprovalPolicy", "BusinessApprovalPolicyPayload", "PayoutRequest", "PayoutRequestConnection",
        "PayoutRequestEdge", "PayoutRequestPayload",
        # Support tickets and disputes (issue 16 parts 2-3): reached through guarded root fields or node(id);
        # SupportTicket.messages carries its own rule (internal notes are filtered for non-staff by the service).
        "SupportTicket", "SupportTicketMessage", "SupportTicketConnection", "SupportTicketEdge",
        "SupportTicketMessageConnection", "SupportTicketMessageEdge", "SupportTicketPayload",
        "SupportTicketMessagePayload", "Dispute", "DisputeConnection", "DisputeEdge", "DisputePayload",
        # Spending insights, consents and offers (issue 15 parts 5-6): reached through guarded root fields,
        # Customer.consents or node(id); their links are IDs only.
        "SpendingInsights", "CategorySpending", "MerchantSpending", "MonthSpending", "CurrencySpending",
        "CustomerConsent", "CustomerConsentSetPayload", "Offer", "OfferMinSpend", "OfferFrequencyCap", "OfferMatch",
        "OfferReport", "OfferPayload", "PartnerOfferSettingsPayload", "OfferEventRecordPayload",
        # Bulk payouts (issue 16 part 7): reached through guarded root fields (bulkPayout*) or node(id).
        "BulkPayout", "BulkPayoutLine", "BulkPayoutLineConnection", "BulkPayoutLineEdge", "BulkPayoutPayload",
        # Help centre (issue 16 part 1): reached through helpArticles (any caller), help mutations or node(id).
        "HelpArticle", "HelpArticleConnection", "HelpArticleEdge", "HelpArticlePayload",
    }
)


def check_scope(info: Any, name: str) -> None:
    """Raise FORBIDDEN unless the caller holds the scope (for resolvers that pick the type at run time)."""
    principal = info.context.principal
    if principal is None or not principal.has_scope(name):
        raise Forbidden(f"this operation needs the {name} scope")
