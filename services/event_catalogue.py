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
    EventType("points.expired", "A customer's points expired (the sweep, oldest lots first).", "Customer", (
        CUSTOMER, _id("programId", "PointsProgram", "The points programme."),
        PayloadField("points", FieldKind.INT, "How many points (whole points of the programme's unit)."),
    )),
    *(EventType(f"points_rule.{change}", f"A points earn rule was {change} (pointsEarnRule{verb}).", "PointsEarnRule", (
        _id("ruleId", "PointsEarnRule", "The earn rule."), _id("programId", "PointsProgram", "The points programme."),
        PayloadField("version", FieldKind.INT, "points_rule.*: the rule's version after the change."),
    )) for change, verb in (("created", "Create"), ("updated", "Update"), ("retired", "Retire"))),
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
