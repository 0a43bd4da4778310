"""The event catalogue: every domain event type, its version, what it means and the fields of its payload.

One entry per dotted type. The outbox (models.DomainEvent, written by
services.events.record_domain_event in the transaction of the change) stores
the payload as these fields describe it:

- ID fields hold the RAW id (a UUID string) and name the GraphQL type of the
  object (`Field.id_type`). Partners never see them raw: the one function
  schema.events.payload.wire_payload turns each into the global ID of that
  type when the event leaves the bank (the event feed, webhook bodies,
  subscriptions). Services cannot make global IDs (they never import
  schema/), and raw ids keep the stored rows joinable in SQL.
- MONEY fields hold {"amount": decimal string, "currency": code}, as the API's Money.
- DECIMAL fields hold a decimal string in the currency of the payload's `currency` field.
- STRING / INT / STRING_LIST hold plain values (enum names, codes, field names).

No payload carries personal data (names, e-mail, phone, addresses, ID numbers,
dates of birth): an event says *that* something changed and which object,
and the partner reads the object itself through the API with its own scopes.

`internal` types are the bank's own (stored without a partner, never shown
to a partner); `broadcast` types concern every partner (a bank default fee
rule: stored without a partner, shown to all); `reserved` types are in the
contract but nothing produces them yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class FieldKind(str, Enum):
    ID = "ID"
    MONEY = "MONEY"
    DECIMAL = "DECIMAL"
    STRING = "STRING"
    INT = "INT"
    STRING_LIST = "STRING_LIST"


@dataclass(frozen=True)
class PayloadField:
    name: str
    kind: FieldKind
    description: str
    id_type: str | None = None  # for ID fields: the GraphQL type of the object (global ID prefix)
    optional: bool = False


@dataclass(frozen=True)
class EventType:
    type: str
    description: str
    object_type: str
    fields: tuple[PayloadField, ...]
    version: int = 1
    internal: bool = False
    broadcast: bool = False
    reserved: bool = False  # documented, but no code path emits it yet
    field_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_names", frozenset(f.name for f in self.fields))


def _id(name: str, id_type: str, description: str, *, optional: bool = False) -> PayloadField:
    return PayloadField(name, FieldKind.ID, description, id_type=id_type, optional=optional)


CUSTOMER = _id("customerId", "Customer", "The customer the event is about.")
WALLET = _id("walletId", "Wallet", "The wallet the event is about.")
TRANSACTION = _id("transactionId", "Transaction", "The transaction the event is about.")
SUBMISSION = _id("submissionId", "KycSubmission", "The KYC submission the event is about.")
RAIL_TRANSFER = (
    _id("railTransferId", "RailTransfer", "The rail transfer."),
    _id("transactionId", "Transaction", "Its HELD transaction (POSTED once settled)."),
    PayloadField("amount", FieldKind.MONEY, "The amount carried."),
)
BANK_ACCOUNT = (
    _id("bankAccountId", "BankAccount", "The linked bank account."),
    CUSTOMER,
    PayloadField("maskedNumber", FieldKind.STRING, "The IBAN or account number, masked (e.g. •••• 1234)."),
    PayloadField("status", FieldKind.STRING, "The bank account's status after the change."),
)
CARD = (
    _id("cardId", "Card", "The linked card."),
    CUSTOMER,
    PayloadField("brand", FieldKind.STRING, "VISA, MASTERCARD, AMEX, UNIONPAY or JCB."),
    PayloadField("lastFour", FieldKind.STRING, "The card number's last four digits."),
)
# Issue 14 part 7: beneficiaries and international transfers (helper A).
BENEFICIARY = (
    _id("beneficiaryId", "Beneficiary", "The beneficiary at a foreign bank."),
    CUSTOMER,
    PayloadField("country", FieldKind.STRING, "The country (ISO 3166-1 alpha-2) of the beneficiary's bank."),
    PayloadField("maskedNumber", FieldKind.STRING, "The IBAN or account number, masked (e.g. •••• 1234)."),
    PayloadField("status", FieldKind.STRING, "The beneficiary's status after the change."),
)
KYC_DECIDED = (SUBMISSION, CUSTOMER, PayloadField("tier", FieldKind.INT, "The customer's KYC tier after the decision."))

_TYPES = (
    EventType("customer.created", "A customer was onboarded (customerCreate).", "Customer", (
        CUSTOMER, PayloadField("kind", FieldKind.STRING, "INDIVIDUAL or BUSINESS."),
    )),
    EventType("customer.updated", "Profile fields of a customer changed; the names of the fields, never their values.",
              "Customer", (CUSTOMER, PayloadField("changed", FieldKind.STRING_LIST, "The API names of the changed fields."))),
    EventType("customer.closed", "A customer was closed.", "Customer", (CUSTOMER,)),
    EventType("customer.limits_changed", "The partner's own limits for a customer changed.", "Customer", (
        CUSTOMER, PayloadField("currency", FieldKind.STRING, "The currency of the limits."),
        PayloadField("daily", FieldKind.DECIMAL, "The new daily limit (decimal string), null when none.", optional=True),
        PayloadField("perTransaction", FieldKind.DECIMAL, "The new per-transaction limit, null when none.", optional=True),
    )),
    EventType("customer.held", "Screening holds the customer for compliance review (no reason is given).", "Customer",
              (CUSTOMER,)),
    EventType("customer.released", "Compliance released a held customer.", "Customer", (CUSTOMER,)),
    EventType("customer.blocked", "Compliance blocked a held customer.", "Customer", (CUSTOMER,)),
    EventType("kyc.submitted", "A KYC submission was received.", "KycSubmission", (SUBMISSION, CUSTOMER)),
    EventType("kyc.approved", "A KYC submission was approved.", "KycSubmission", KYC_DECIDED),
    EventType("kyc.rejected", "A KYC submission was rejected.", "KycSubmission", KYC_DECIDED),
    EventType("kyc.needs_info", "A KYC submission needs more information.", "KycSubmission", KYC_DECIDED),
    EventType("wallet.opened", "A wallet was opened (walletOpen).", "Wallet", (
        WALLET, CUSTOMER, PayloadField("currency", FieldKind.STRING, "The wallet's currency (ISO 4217)."),
    )),
    EventType("wallet.frozen", "Bank compliance froze a wallet.", "Wallet", (WALLET, CUSTOMER)),
    EventType("wallet.unfrozen", "Bank compliance unfroze a wallet.", "Wallet", (WALLET, CUSTOMER)),
    EventType("wallet.closed", "A wallet was closed, its balance swept to another wallet when it had one.", "Wallet", (
        WALLET, CUSTOMER,
        _id("sweptToWalletId", "Wallet", "The wallet the remaining balance went to.", optional=True),
        _id("transactionId", "Transaction", "The sweep transaction.", optional=True),
    )),
    EventType("wallet.renamed", "A wallet's nickname changed (the nickname itself is not in the event).", "Wallet",
              (WALLET, CUSTOMER)),
    EventType("transaction.posted", "Money moved: a posting was written to the ledger (not held).", "Transaction", (
        TRANSACTION, PayloadField("kind", FieldKind.STRING, "The transaction kind (TransactionKind)."),
        PayloadField("amount", FieldKind.MONEY, "The amount moved."),
        PayloadField("fee", FieldKind.MONEY, "The fee charged on top."),
        _id("fromWalletId", "Wallet", "The paying wallet; null for a top-up.", optional=True),
        _id("toWalletId", "Wallet", "The receiving wallet; null for a withdrawal.", optional=True),
        PayloadField("buyAmount", FieldKind.MONEY, "FX_CONVERSION or cross-currency TRANSFER only: what the receiving wallet got, in its currency"
                     " (amount is what was sold).", optional=True),
    )),
    EventType("transaction.held", "A transaction waits for compliance review; its funds are reserved (no reason given).",
              "Transaction", (TRANSACTION,)),
    EventType("transaction.released", "Compliance released a held transaction: its money moved.", "Transaction",
              (TRANSACTION,)),
    EventType("transaction.rejected", "Compliance rejected a held transaction: no money moved, the reservation ended.",
              "Transaction", (TRANSACTION,)),
    EventType("transaction.reversed", "A posted transaction was reversed by a reversing transaction.", "Transaction",
              (TRANSACTION, _id("reversalId", "Transaction", "The reversing transaction."))),
    EventType("fee_rule.changed", "A fee rule was created, replaced by a new version, or ended.", "FeeRule", (
        _id("feeRuleId", "FeeRule", "The rule created, or the rule that ended."),
        PayloadField("change", FieldKind.STRING, "CREATED, UPDATED (feeRuleId is the new version) or RETIRED."),
        _id("replacesFeeRuleId", "FeeRule", "UPDATED: the version that ends.", optional=True),
    ), broadcast=True),  # a partner's own rule: that partner's; a bank default (no partner): every partner's
    # Payments to merchants and refunds (issue 13): the payer's partner and the merchant's partner each get one.
    EventType("payment.succeeded", "A payment to a merchant moved its money (paymentCreate, paymentCollect, authorizationCapture). Both partners get it: the"
              " payer's and the merchant's.", "Payment", (
        _id("paymentId", "Payment", "The payment."),
        _id("merchantId", "Merchant", "The merchant paid."),
        _id("paymentRequestId", "PaymentRequest", "The payment request paid, when the payment named one.", optional=True),
        PayloadField("amount", FieldKind.MONEY, "The amount paid."),
    )),
    EventType("payment.failed", "A payment held for compliance review was rejected: no money moved.", "Payment", (
        _id("paymentId", "Payment", "The payment."),
        _id("merchantId", "Merchant", "The merchant paid."),
    )),
    EventType("payment_request.paid", "A single-use payment request was paid (the merchant's partner gets it).",
              "PaymentRequest", (
        _id("paymentRequestId", "PaymentRequest", "The payment request paid."),
        _id("paymentId", "Payment", "The payment."),
        _id("merchantId", "Merchant", "The merchant paid."),
    )),
    EventType("payment.refunded", "A merchant refunded (part of) a payment (refundCreate). Both partners get it.",
              "Payment", (
        _id("paymentId", "Payment", "The payment refunded."),
        _id("refundId", "Refund", "The refund."),
        _id("merchantId", "Merchant", "The merchant that refunded."),
        PayloadField("amount", FieldKind.MONEY, "The amount of this refund (read the payment for the total refunded)."),
    )),
    EventType("authorization.created", "Funds were reserved on a payer's wallet for a merchant (authorizationCreate)."
              " Both partners get it.", "PaymentAuthorization", (
        _id("authorizationId", "PaymentAuthorization", "The authorisation."),
        _id("merchantId", "Merchant", "The merchant the funds are reserved for."),
        PayloadField("amount", FieldKind.MONEY, "The amount reserved."),
    )),
    EventType("authorization.ended", "An authorisation ended: fully or finally CAPTURED, VOIDED, or EXPIRED by the"
              " sweep; what was not captured is available again. Both partners get it.", "PaymentAuthorization", (
        _id("authorizationId", "PaymentAuthorization", "The authorisation."),
        _id("merchantId", "Merchant", "The merchant the funds were reserved for."),
        PayloadField("status", FieldKind.STRING, "CAPTURED, VOIDED or EXPIRED."),
    )),
    EventType("rail_transfer.submitted", "A rail top-up or withdrawal was handed to its rail, which answered with its"
              " reference; its transaction stays HELD until the rail reports.", "RailTransfer", RAIL_TRANSFER),
    EventType("rail_transfer.settled", "The rail settled a top-up or withdrawal: its held transaction posted (money"
              " moved).", "RailTransfer", RAIL_TRANSFER),
    EventType("rail_transfer.failed", "The rail (or the card processor, or a compliance rejection) failed a top-up or"
              " withdrawal: its held transaction was rejected, nothing moved, the reservation and limit usage ended.",
              "RailTransfer", (*RAIL_TRANSFER, PayloadField("reasonCode", FieldKind.STRING, "The rail's reason code."))),
    EventType("rail_transfer.returned", "A settled top-up or withdrawal came back from the bank: a RAIL_RETURN"
              " transaction undid its amount (the fee is kept).", "RailTransfer", (
        *RAIL_TRANSFER, PayloadField("reasonCode", FieldKind.STRING, "The rail's return reason code."),
        _id("returnTransactionId", "Transaction", "The RAIL_RETURN transaction."),
    )),
    EventType("rail_transfer.return_unrecovered", "A settled top-up came back from the bank but its wallet could not"
              " give the money back (spent, frozen or closed): bank staff recover it.", "RailTransfer", (
        *RAIL_TRANSFER, PayloadField("reasonCode", FieldKind.STRING, "The rail's return reason code."),
        PayloadField("refusal", FieldKind.STRING, "The error code the return posting was refused with."),
    )),
    EventType("webhook_endpoint.disabled", "A webhook endpoint was disabled by the bank after failing every delivery "
              "for more than 24 hours (re-enable it with webhookEndpointUpdate).", "WebhookEndpoint", (
        _id("endpointId", "WebhookEndpoint", "The endpoint that was disabled."),
        PayloadField("status", FieldKind.STRING, "The endpoint's status now: FAILING."),
    )),
    # Merchants and merchant-presented QR codes (issue 13).
    EventType("bank_account.linked", "A bank account was linked to a customer (bankAccountLink); status says whether"
              " it waits for verification or for review.", "BankAccount", BANK_ACCOUNT),
    EventType("bank_account.verified", "A linked bank account was verified (micro-deposits or instant): usable for"
              " top-ups and withdrawals.", "BankAccount", BANK_ACCOUNT),
    EventType("bank_account.locked", "Three wrong micro-deposit answers locked a linked bank account.", "BankAccount",
              BANK_ACCOUNT),
    EventType("bank_account.removed", "A linked bank account was removed (bankAccountRemove) or rejected by bank"
              " staff or the instant check; status says which.", "BankAccount", BANK_ACCOUNT),
    EventType("beneficiary.created", "A beneficiary at a foreign bank was added (beneficiaryCreate); status is"
              " NEEDS_REVIEW when its name matched a watchlist entry, else ACTIVE.", "Beneficiary", BENEFICIARY),
    EventType("beneficiary.reviewed", "Bank staff approved (ACTIVE) or rejected (REJECTED) a beneficiary whose name"
              " matched a watchlist entry (beneficiaryReview).", "Beneficiary", BENEFICIARY),
    EventType("beneficiary.deleted", "A beneficiary was deleted (beneficiaryDelete): nothing more is paid to it.",
              "Beneficiary", BENEFICIARY),
    EventType("international_transfer.created", "An international transfer was accepted (internationalTransferCreate):"
              " its WITHDRAWAL transaction is HELD while a cross-border rail carries it; the rail_transfer.* events of"
              " its railTransferId follow (settled, failed, returned).", "InternationalTransfer", (
        _id("internationalTransferId", "InternationalTransfer", "The international transfer."),
        _id("beneficiaryId", "Beneficiary", "The beneficiary at a foreign bank."),
        _id("transactionId", "Transaction", "Its HELD transaction (POSTED once settled)."),
        _id("railTransferId", "RailTransfer", "The rail transfer."),
        PayloadField("amount", FieldKind.MONEY, "The amount carried."),
        PayloadField("buyAmount", FieldKind.MONEY, "What the beneficiary is paid, in the currency bought."),
        PayloadField("country", FieldKind.STRING, "The country (ISO 3166-1 alpha-2) of the beneficiary's bank."),
    )),
    EventType("card.linked", "A card was linked to a customer (cardLink): only the processor's token is kept.", "Card",
              CARD),
    EventType("card.removed", "A linked card was removed (cardRemove).", "Card", CARD),
    EventType("merchant.created", "A merchant was created for a BUSINESS customer (merchantCreate).", "Merchant", (
        _id("merchantId", "Merchant", "The merchant the event is about."), CUSTOMER,
        _id("walletId", "Wallet", "The wallet the event is about."),
    )),
    EventType("merchant.suspended", "A merchant was suspended: its QR codes cannot be paid (the reason is not in the"
              " event).", "Merchant", (_id("merchantId", "Merchant", "The merchant the event is about."), CUSTOMER)),
    EventType("merchant.reactivated", "A suspended merchant is ACTIVE again.", "Merchant", (
        _id("merchantId", "Merchant", "The merchant the event is about."), CUSTOMER,
    )),
    EventType("payment_request.created", "A merchant-presented QR payment request was created (paymentRequestCreate).",
              "PaymentRequest", (
        _id("paymentRequestId", "PaymentRequest", "The payment request the event is about."),
        _id("merchantId", "Merchant", "The merchant the event is about."),
        PayloadField("kind", FieldKind.STRING, "STATIC (the payer enters the amount) or DYNAMIC."),
        PayloadField("currency", FieldKind.STRING, "The currency of the code (the settlement wallet's, ISO 4217)."),
        PayloadField("amount", FieldKind.MONEY, "DYNAMIC: the amount to pay; null for a static code.", optional=True),
    )),
    # Points programmes (issue 15, services.points): points are a ledger asset; these follow its postings.
    EventType("points.earned", "A customer earned points on a payment, by the programme's best earn rule (one lot).",
              "Customer", (
        CUSTOMER, _id("programId", "PointsProgram", "The points programme."),
        _id("paymentId", "Payment", "The payment that earned them."),
        PayloadField("points", FieldKind.INT, "How many points (whole points of the programme's unit)."),
        PayloadField("expiresAt", FieldKind.STRING, "points.earned: when this lot expires (ISO 8601, UTC)."),
    )),
    EventType("points.clawed_back", "Points taken back because their payment was refunded (in proportion) or reversed;"
              " never below zero.", "Customer", (
        CUSTOMER, _id("programId", "PointsProgram", "The points programme."),
        _id("transactionId", "Transaction", "The transaction the event is about."),
        PayloadField("points", FieldKind.INT, "How many points (whole points of the programme's unit)."),
        PayloadField("shortfallPoints", FieldKind.INT, "points.clawed_back: the points asked back that the customer"
                     " had already spent (not taken)."),
    )),
    EventType("points.redeemed", "A customer's points were converted into wallet money (pointsRedeem).", "Customer", (
        CUSTOMER, _id("programId", "PointsProgram", "The points programme."),
        PayloadField("points", FieldKind.INT, "How many points (whole points of the programme's unit)."),
        PayloadField("amount", FieldKind.MONEY, "The money credited to the customer's wallet."),
    )),
    EventType("points.returned", "Points a customer spent on a payment went back to it because the payment was"
              " refunded (in proportion), reversed or rejected by compliance; their value went back to the programme.",
              "Customer", (
        CUSTOMER, _id("programId", "PointsProgram", "The points programme."),
        _id("paymentId", "Payment", "The payment the points had been spent on."),
        PayloadField("points", FieldKind.INT, "How many points (whole points of the programme's unit)."),
        PayloadField("amount", FieldKind.MONEY, "Their value, taken back from the paying wallet to the programme."),
    )),
    EventType("points.expired", "A customer's points expired (the sweep, oldest lots first).", "Customer", (
        CUSTOMER, _id("programId", "PointsProgram", "The points programme."),
        PayloadField("points", FieldKind.INT, "How many points (whole points of the programme's unit)."),
    )),
    *(EventType(f"points_rule.{change}", f"A points earn rule was {change} (pointsEarnRule{verb}).", "PointsEarnRule", (
        _id("ruleId", "PointsEarnRule", "The earn rule."), _id("programId", "PointsProgram", "The points programme."),
        PayloadField("version", FieldKind.INT, "points_rule.*: the rule's version after the change."),
    )) for change, verb in (("created", "Create"), ("updated", "Update"), ("retired", "Retire"))),
    # Bulk payouts (issue 16 part 7, services.business.bulk_*): one event per batch state change, none per line.
    *(EventType(f"bulk_payout.{change}", text, "BulkPayout", (
        _id("bulkPayoutId", "BulkPayout", "The bulk payout batch."), WALLET,
        PayloadField("bulkPayoutStatus", FieldKind.STRING, "bulk_payout.*: the batch's status after the change."),
        PayloadField("lineCount", FieldKind.INT, "bulk_payout.*: how many payout lines the file held."),
        PayloadField("paidCount", FieldKind.INT, "bulk_payout.*: how many lines are paid."),
        PayloadField("failedCount", FieldKind.INT, "bulk_payout.*: how many lines are invalid or failed (not paid)."),
        PayloadField("amount", FieldKind.MONEY, "bulk_payout.created/approved: the total of the valid lines;"
                     " .completed: the total paid."),
    )) for change, text in (
        ("created", "A bulk payout file was uploaded and validated line by line (bulkPayoutCreate)."),
        ("approved", "A second business member approved a bulk payout above the approval threshold (bulkPayoutApprove)."),
        ("completed", "A bulk payout's execution finished: every valid line was paid or failed (bulkPayoutExecute)."),
    )),
    # Consents and personalised offers (issue 15 parts 5-6, services.consent, services.offers): ids and states only.
    EventType("consent.changed", "A customer granted or withdrew a consent (customerConsentSet); a withdrawal is in"
              " force at once.", "Customer", (
        CUSTOMER,
        PayloadField("consentKind", FieldKind.STRING, "consent.changed: MARKETING, PROFILING or THIRD_PARTY_SHARING."),
        PayloadField("consentStatus", FieldKind.STRING, "consent.changed: GRANTED or WITHDRAWN."),
        PayloadField("textVersion", FieldKind.STRING, "consent.changed: the version of the consent text shown."),
    )),
    *(EventType(f"offer.{change}", f"A personalised offer was {change} (offer{verb}).", "Offer", (
        _id("offerId", "Offer", "The offer."),
        PayloadField("offerVersion", FieldKind.INT, "offer.*: the offer's version after the change."),
        PayloadField("offerStatus", FieldKind.STRING, "offer.*: ACTIVE or PAUSED after the change."),
    )) for change, verb in (("created", "Create"), ("updated", "Update"))),
    # Coupon campaigns (issue 15 part 4, services.coupons): a coupon's life; discounts are legs of the payment's posting.
    *(EventType(f"coupon.{what}", text, "Coupon", (
        _id("couponId", "Coupon", "The coupon."), _id("campaignId", "CouponCampaign", "The coupon's campaign."),
        CUSTOMER, *extra,
    )) for what, text, extra in (
        ("issued", "A coupon was issued to a customer (couponIssue) or claimed with a code (couponClaim).", ()),
        ("redeemed", "A coupon took its discount off a payment (paymentCreate), funded by its campaign's budget.", (
            _id("paymentId", "Payment", "The payment."),
            PayloadField("amount", FieldKind.MONEY, "coupon.*: the discount."))),
        ("restored", "Its payment was refunded in full and the campaign's rule is RESTORE: the coupon is usable again.", (
            _id("paymentId", "Payment", "The payment."),
            PayloadField("amount", FieldKind.MONEY, "coupon.*: the discount."))),
        ("forfeited", "Its payment was refunded in full and the campaign's rule is FORFEIT: the coupon stays used.", (
            _id("paymentId", "Payment", "The payment."),
            PayloadField("amount", FieldKind.MONEY, "coupon.*: the discount."))),
    )),
    # Support tickets and disputes (issue 16, services.support, services.disputes): no text, only ids and states.
    EventType("support_ticket.updated", "A support ticket was opened or changed: a reply in its thread (from the"
              " customer's side or bank staff), its status or its priority (internal staff notes and assignment"
              " send none). The text is never in the event: read the ticket.", "SupportTicket", (
        _id("ticketId", "SupportTicket", "The support ticket."), CUSTOMER,
        PayloadField("ticketStatus", FieldKind.STRING, "support_ticket.updated: the ticket's status after the change"
                     " (OPEN, WAITING_ON_CUSTOMER, RESOLVED, CLOSED)."),
        PayloadField("ticketChange", FieldKind.STRING, "support_ticket.updated: what changed: OPENED, CUSTOMER_REPLIED,"
                     " STAFF_REPLIED, STATUS_CHANGED or PRIORITY_CHANGED."),
    )),
    *(EventType(f"dispute.{change}", description, "Dispute", (
        _id("disputeId", "Dispute", "The dispute."), _id("paymentId", "Payment", "The payment disputed."),
        _id("merchantId", "Merchant", "The merchant paid."),
        PayloadField("amount", FieldKind.MONEY, "The amount disputed (what remained refundable when it was opened)."),
        PayloadField("disputeStatus", FieldKind.STRING, "dispute.*: the dispute's status after the change."),
        PayloadField("disputeOutcome", FieldKind.STRING, "dispute.decided: FOR_CUSTOMER or FOR_MERCHANT.",
                     optional=True),
        _id("refundId", "Refund", "dispute.decided FOR_CUSTOMER: the refund posted.", optional=True),
    )) for change, description in (
        ("opened", "A payer's dispute of a payment was opened (disputeOpen): the merchant's partner may respond until"
                   " its respondBy. Both partners get it."),
        ("responded", "The merchant's partner answered a dispute with its evidence (disputeRespond). Both partners get"
                      " it."),
        ("decided", "Bank staff decided a dispute (disputeDecide); for the customer, the refund posted with it. Both"
                    " partners get it."),
    )),
    # Issue 16 parts 5 and 6: business members and maker-checker payout requests (services.business, helper G1).
    *(EventType(f"business_member.{change}", description, "BusinessMember", (
        _id("memberId", "BusinessMember", "The business member (for payout_request.*: the member who acted)."),
        CUSTOMER, PayloadField("role", FieldKind.STRING, "business_member.*: OWNER, ADMIN, ACCOUNTANT or VIEWER."),
    )) for change, description in (
        ("added", "A member was added to a BUSINESS customer (businessMemberAdd)."),
        ("removed", "A member was removed from a BUSINESS customer (businessMemberRemove): its tokens act for nobody."),
    )),
    *(EventType(f"payout_request.{change}", description, "PayoutRequest", (
        _id("payoutRequestId", "PayoutRequest", "The payout request."), CUSTOMER,
        _id("transactionId", "Transaction", "The payout's transaction: HELD while the request waits, POSTED once"
            " approved, REJECTED once rejected or expired."),
        PayloadField("amount", FieldKind.MONEY, "The amount asked for (the fee is on top)."),
        PayloadField("status", FieldKind.STRING, "payout_request.*: PENDING, APPROVED, REJECTED or EXPIRED."),
        _id("memberId", "BusinessMember", "The member who acted (the maker, or the checker); absent on expiry.",
            optional=True),
    )) for change, description in (
        ("created", "A business member asked for a payout above the approval threshold (payoutRequestCreate): its"
                    " funds are held until another member decides."),
        ("approved", "A second member approved a payout request (payoutRequestApprove): the payout posted."),
        ("rejected", "A payout request was rejected or withdrawn (payoutRequestReject): the held funds are available"
                     " again."),
        ("expired", "A payout request was not decided in time (the expiry sweep): the held funds are available again."),
    )),
    # Issue 16 part 1: the help centre (services.help.admin). The bank's content: every partner is told.
    EventType("help_article.published", "A help article was published (helpArticlePublish): partners may refresh"
              " the help they show in their apps.", "HelpArticle", (
        _id("articleId", "HelpArticle", "help_article.published: the article."),
        PayloadField("locale", FieldKind.STRING, "help_article.published: the article's locale (zh-CN or en)."),
    ), broadcast=True),
    EventType("aml.alert_raised", "An AML rule fired (the bank's own: never shown to a partner).", "AmlAlert", (
        _id("alertId", "AmlAlert", "The alert."),
        PayloadField("rule", FieldKind.STRING, "The rule that fired."),
        PayloadField("severity", FieldKind.STRING, "The alert's severity."),
        PayloadField("action", FieldKind.STRING, "What the rule does: ALERT or HOLD."),
        _id("transactionId", "Transaction", "The transaction that fired it.", optional=True),
        CUSTOMER, _id("partnerId", "Partner", "The partner whose customer it is.", optional=True),
    ), internal=True),
)

CATALOGUE: dict[str, EventType] = {t.type: t for t in _TYPES}
EVENT_TYPES: frozenset[str] = frozenset(CATALOGUE)
INTERNAL_EVENT_TYPES: frozenset[str] = frozenset(t.type for t in _TYPES if t.internal)
BROADCAST_EVENT_TYPES: frozenset[str] = frozenset(t.type for t in _TYPES if t.broadcast)
RESERVED_EVENT_TYPES: frozenset[str] = frozenset(t.type for t in _TYPES if t.reserved)
PARTNER_EVENT_TYPES: frozenset[str] = EVENT_TYPES - INTERNAL_EVENT_TYPES
# Every payload field name any type uses, with its kind (one name means one thing in every type).
PAYLOAD_FIELDS: dict[str, PayloadField] = {f.name: f for t in _TYPES for f in t.fields}


def event_type(name: str) -> EventType:
    """The catalogue entry of a type, or KeyError."""
    return CATALOGUE[name]


def check_payload(name: str, payload: dict[str, object]) -> None:
    """Raise ValueError if a payload has a field its type does not document, or lacks a required one."""
    entry = CATALOGUE[name]
    extra = set(payload) - entry.field_names
    missing = {f.name for f in entry.fields if not f.optional} - set(payload)
    if extra or missing:
        raise ValueError(f"{name} payload: undocumented fields {sorted(extra)}, missing {sorted(missing)}")
