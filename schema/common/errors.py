"""UserError, the stable error codes of business refusals, and the audited call wrapper."""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum
from typing import Any, TypeVar

import strawberry

from services.audit import record_event
from services.errors import DomainError, Forbidden
from services.outcome import ServiceResult
from schema.common.audit_actor import actor_of

T = TypeVar("T")


@strawberry.enum(
    description="Stable codes of business refusals, in a mutation payload's userErrors (nothing was changed); query"
    " fields answer the same refusals as a GraphQL error with this code in errors[].extensions.code. Switch on the"
    " code, never on the message (the message is for people and may change). Every code, with the GraphQL-level"
    " codes (UNAUTHENTICATED, FORBIDDEN, BAD_REQUEST, RATE_LIMITED, TIMEOUT, UNAVAILABLE, INTERNAL), is listed in the README's"
    " Errors section."
)
class ErrorCode(Enum):
    VALIDATION = strawberry.enum_value(
        "VALIDATION",
        description="An input value is malformed, missing, too long or out of range (a name, email, phone, country,"
        " date, reason, idempotency key, cursor, page size...), or does not fit the rest of the input. field names the"
        " input path; fix the value and retry.",
    )
    INVALID_AMOUNT = strawberry.enum_value(
        "INVALID_AMOUNT",
        description='The amount is not a positive exact decimal string in the currency: zero, negative, not a number'
        ' ("1e3", "abc"), more decimals than the currency allows ("12.505" CNY), or beyond 64-bit minor units.'
        " Nothing is ever rounded.",
    )
    INSUFFICIENT_FUNDS = strawberry.enum_value(
        "INSUFFICIENT_FUNDS",
        description="The paying wallet's availableBalance (balance minus holds) is below the amount plus its fee."
        " Wallets never go below zero. The idempotencyKey is not used up: retry once funds arrive.",
    )
    INSUFFICIENT_POINTS = strawberry.enum_value(
        "INSUFFICIENT_POINTS",
        description="pointsRedeem: the customer holds fewer unexpired points in the programme than asked (points"
        " expired but not yet swept do not count). Nothing moved; the idempotencyKey is not used up.",
    )
    COUPON_NOT_APPLICABLE = strawberry.enum_value(
        "COUPON_NOT_APPLICABLE",
        description="paymentCreate or couponClaim (issue 15): a coupon cannot be used for this: the payload's"
        " couponRefusal (and the message's first word) gives the reason: OUTSIDE_WINDOW, BELOW_MINIMUM_SPEND,"
        " MERCHANT_EXCLUDED, CURRENCY_MISMATCH, CUSTOMER_LIMIT_REACHED, BUDGET_EXHAUSTED, NOT_STACKABLE,"
        " ALREADY_USED or NOT_CLAIMABLE. Nothing moved; the idempotencyKey is not used up.",
    )
    CURRENCY_MISMATCH = strawberry.enum_value(
        "CURRENCY_MISMATCH",
        description="The wallets of a transfer (or a sweep) hold different currencies, or the currency given is not"
        " the wallet's.",
    )
    UNSUPPORTED_CURRENCY = strawberry.enum_value(
        "UNSUPPORTED_CURRENCY",
        description="The currency is not an ISO 4217 code with a minor unit, or is one the bank does not open wallets"
        " in (the message says which).",
    )
    WALLET_NOT_ACTIVE = strawberry.enum_value(
        "WALLET_NOT_ACTIVE",
        description="A wallet of the request is FROZEN or CLOSED, so no money moves. For the receiving wallet of"
        " another customer this code also stands for any reason it cannot accept the payment (its limits, KYC or a"
        " compliance hold are not disclosed to the payer).",
    )
    LIMIT_EXCEEDED = strawberry.enum_value(
        "LIMIT_EXCEEDED",
        description="A limit of the customer's KYC tier (or a lower limit set for the customer) would be passed: single"
        " transaction, daily, monthly, annual, lifetime or maximum balance; the message names the limit and what"
        " remains. Also a customer limit set above its tier's (a customer can only lower its limits).",
    )
    KYC_REQUIRED = strawberry.enum_value(
        "KYC_REQUIRED",
        description="The customer's KYC tier does not allow this at all: a currency its tier does not cover, or a"
        " cross-border transfer. A higher tier (kycSubmit, then approval) is needed.",
    )
    IDEMPOTENCY_CONFLICT = strawberry.enum_value(
        "IDEMPOTENCY_CONFLICT",
        description="This idempotencyKey was already used by your partner with a different input (amount, wallets,"
        " memo, currency). The same input with the same key returns the original result instead.",
    )
    BATCH_ABORTED = strawberry.enum_value(
        "BATCH_ABORTED",
        description="transfersCreate with atomic: true: this item was not posted because the batch was not: another"
        " item was refused (its own userErrors say why) or the batch could not be written as a whole. Nothing of the"
        " batch moved; fix the refused item and send the batch again with the same keys.",
    )
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND",
        description="No such object: an unknown or malformed ID, an ID of the wrong type, or another partner's object"
        " (which answers exactly like one that does not exist). field names the input that held the ID.",
    )
    SAME_WALLET = strawberry.enum_value(
        "SAME_WALLET",
        description="A transfer from a wallet to itself, or a walletClose sweeping a wallet into itself.",
    )
    ALREADY_EXISTS = strawberry.enum_value(
        "ALREADY_EXISTS",
        description="A unique value is taken: a customer with this externalRef (per partner), a staff user with this"
        " email, a policy pack for this jurisdiction.",
    )
    INVALID_STATE = strawberry.enum_value(
        "INVALID_STATE",
        description="The object is not in the state the action needs, e.g. freezing a frozen wallet or unfreezing an"
        " active one, closing a closed or frozen wallet, changing or closing a closed customer (or closing one with"
        " open wallets), resolving an alert that is no longer OPEN, putting an alert in a second case, changing or"
        " closing a closed case. Read the object again before deciding what to do.",
    )
    KYC_PENDING = strawberry.enum_value(
        "KYC_PENDING",
        description="kycSubmit: the customer already has a submission waiting for review. Wait for the decision"
        " (NEEDS_INFO lets you submit again).",
    )
    KYC_ALREADY_REVIEWED = strawberry.enum_value(
        "KYC_ALREADY_REVIEWED",
        description="kycReview: the submission was already decided (only a PENDING one can be reviewed), possibly by"
        " another officer a moment ago.",
    )
    PII_INTEGRITY = strawberry.enum_value(
        "PII_INTEGRITY",
        description="A stored identity value failed its integrity check (altered or misplaced ciphertext) and is not"
        " shown. Report it to the bank; the value is not returned in any form.",
    )
    COMPLIANCE_HOLD = strawberry.enum_value(
        "COMPLIANCE_HOLD",
        description="The customer is held for compliance review (a watchlist screening hit) or blocked: nothing moves"
        " until the bank decides. The reason is not disclosed. Also a points payout from a programme's funding wallet"
        " (pointsRedeem, or points on a payment) that the AML rules would hold: nothing is spent.",
    )
    STEP_UP_REQUIRED = strawberry.enum_value(
        "STEP_UP_REQUIRED",
        description="The money movement needs a stronger or fresher customer authentication than the token carries"
        " (the message names it: two factors or a biometric, within how many seconds). Authenticate the customer"
        " again, mint a customer token with that authentication, and retry with the same idempotencyKey.",
    )
    LAST_ADMIN = strawberry.enum_value(
        "LAST_ADMIN",
        description="The staff change would leave the bank without an active admin: make another admin first.",
    )
    WALLET_NOT_EMPTY = strawberry.enum_value(
        "WALLET_NOT_EMPTY",
        description="walletClose: the wallet still holds money (name sweepToWalletId, another active wallet of the"
        " same customer and currency, or withdraw it first), funds on hold, or transactions under compliance review"
        " (wait until they are decided). Nothing was changed.",
    )

    INVALID_QR = strawberry.enum_value(
        "INVALID_QR",
        description="qrDecode: the payload is not a valid EMVCo merchant-presented QR code of this bank (bad CRC, a"
        " missing or over-long field, another scheme's template) or names no payment request; the message names the"
        " reason (e.g. CRC_MISMATCH). Scan again or ask the merchant for a new code.",
    )
    PAYMENT_REQUEST_EXPIRED = strawberry.enum_value(
        "PAYMENT_REQUEST_EXPIRED",
        description="The payment request's expiresAt has passed: ask the merchant for a new code.",
    )
    ALREADY_PAID = strawberry.enum_value(
        "ALREADY_PAID",
        description="The payment request is single-use and was already paid: ask the merchant for a new code.",
    )
    MERCHANT_NOT_ACTIVE = strawberry.enum_value(
        "MERCHANT_NOT_ACTIVE",
        description="The merchant is SUSPENDED, or cannot accept payments now: merchantReactivate (its partner), or"
        " the payer pays another way.",
    )

    AUTHORIZATION_NOT_ACTIVE = strawberry.enum_value(
        "AUTHORIZATION_NOT_ACTIVE",
        description="authorizationCapture/authorizationVoid: the authorisation is captured, voided or expired, the"
        " capture is above what remains authorised, or another capture changed it meanwhile (read it again)."
        " Nothing moved.",
    )
    UNSUPPORTED_COUNTRY = strawberry.enum_value(
        "UNSUPPORTED_COUNTRY",
        description="bankAccountLink: accounts of this country cannot be linked (IBAN countries, CN and US can)."
        " Nothing was stored.",
    )
    INVALID_BANK_ACCOUNT = strawberry.enum_value(
        "INVALID_BANK_ACCOUNT",
        description="bankAccountLink: the IBAN, account number or bank code fails its country's rules; the message"
        " names the field and the reason. Nothing was stored.",
    )
    ALREADY_LINKED = strawberry.enum_value(
        "ALREADY_LINKED",
        description="bankAccountLink: the customer already has this account linked (unless removed or rejected).",
    )
    VERIFICATION_LOCKED = strawberry.enum_value(
        "VERIFICATION_LOCKED",
        description="bankAccountVerify: three wrong micro-deposit answers locked the account; remove it and link it"
        " again.",
    )
    VERIFICATION_FAILED = strawberry.enum_value(
        "VERIFICATION_FAILED",
        description="bankAccountVerify: the amounts are wrong (the message says how many tries remain), or the"
        " instant check refused the account (it is REJECTED).",
    )
    INVALID_CARD = strawberry.enum_value(
        "INVALID_CARD",
        description="cardLink: the number fails its Luhn check, its brand is not accepted, or the card has expired."
        " Nothing was stored.",
    )
    CARD_DECLINED = strawberry.enum_value(
        "CARD_DECLINED",
        description="cardLink: the card processor refused to tokenise the card (the message gives its reason)."
        " Nothing was stored.",
    )
    RATE_UNAVAILABLE = strawberry.enum_value(
        "RATE_UNAVAILABLE",
        description="fxQuote: the bank has no rate for the currency pair (in either direction), or its latest is older"
        " than the configured maximum age (stale). Nothing was quoted; retry later.",
    )
    QUOTE_EXPIRED = strawberry.enum_value(
        "QUOTE_EXPIRED",
        description="walletConvert: the FX quote's expiresAt has passed. Nothing moved; ask fxQuote for a new one.",
    )
    QUOTE_ALREADY_USED = strawberry.enum_value(
        "QUOTE_ALREADY_USED",
        description="walletConvert: the FX quote was already used by another conversion (a quote converts exactly"
        " once). Nothing moved.",
    )
    QUOTE_MISMATCH = strawberry.enum_value(
        "QUOTE_MISMATCH",
        description="walletConvert: the wallets are not the quote's sell and buy currencies, not one customer's, not"
        " the wallet the quote named, or the quote was given to another partner or customer. Nothing moved.",
    )
    SAME_CURRENCY = strawberry.enum_value(
        "SAME_CURRENCY",
        description="fxQuote: the sell and buy currencies are the same; there is nothing to convert.",
    )
    BENEFICIARY_NOT_ACTIVE = strawberry.enum_value(
        "BENEFICIARY_NOT_ACTIVE",
        description="internationalTransferCreate: the beneficiary is not ACTIVE (its name matched a watchlist and waits"
        " for bank staff's beneficiaryReview, or it was rejected or deleted). Nothing moved.",
    )
    COUNTRY_REFUSED = strawberry.enum_value(
        "COUNTRY_REFUSED",
        description="internationalTransferCreate: the sender's regional policy pack refuses transfers to the"
        " beneficiary's country (crossBorder.refusedCountries). Nothing moved.",
    )
    CROSS_BORDER_QUOTA_EXCEEDED = strawberry.enum_value(
        "CROSS_BORDER_QUOTA_EXCEEDED",
        description="internationalTransferCreate: the transfer would pass the sender's annual cross-border quota"
        " (crossBorder.annualQuota of its policy pack, e.g. USD 50,000 a calendar year for an individual in China)."
        " Transfers that failed or were returned do not count. Nothing moved.",
    )
    QUOTE_REQUIRED = strawberry.enum_value(
        "QUOTE_REQUIRED",
        description="transferCreate: the paying and receiving wallets hold different currencies, so the transfer needs"
        " an FX quote (quoteId, from fxQuote). Nothing moved.",
    )
    FUNDING_SOURCE_NOT_USABLE = strawberry.enum_value(
        "FUNDING_SOURCE_NOT_USABLE",
        description="The linked bank account is not VERIFIED (or the card not ACTIVE), or it is another customer's"
        " or in another currency. Nothing moved.",
    )
    NOT_REVERSIBLE = strawberry.enum_value(
        "NOT_REVERSIBLE",
        description="transactionReverse: the transaction is not POSTED (held or rejected), is itself a reversal, or"
        " was already reversed. Nothing moved.",
    )
    REFUND_EXCEEDS_PAYMENT = strawberry.enum_value(
        "REFUND_EXCEEDS_PAYMENT",
        description="refundCreate: the amount is more than what remains refundable on the payment (the amount paid"
        " minus earlier refunds). Nothing moved.",
    )

    CODE_EXPIRED = strawberry.enum_value(
        "CODE_EXPIRED",
        description="paymentCollect: the customer's payment code is more than 60 seconds old. Ask the customer to show"
        " a fresh code (paymentCodeCreate). Nothing moved.",
    )
    CODE_USED = strawberry.enum_value(
        "CODE_USED",
        description="paymentCollect: the customer's payment code was already collected (a code works once). Ask the"
        " customer for a fresh code; a retry with the original idempotencyKey returns the original payment instead.",
    )
    RATE_LIMITED = strawberry.enum_value(
        "RATE_LIMITED",
        description="paymentCollect: your partner made too many collects of unknown, expired or used payment codes in"
        " the last minute (guessing is refused): nothing was looked up or moved. Wait and retry.",
    )
    CONSENT_REQUIRED = strawberry.enum_value(
        "CONSENT_REQUIRED",
        description="offerEventRecord: the customer has not granted MARKETING consent (customerConsentSet), or withdrew"
        " it: no offer may reach it. Nothing was recorded.",
    )
    BANK_OFFERS_NOT_ALLOWED = strawberry.enum_value(
        "BANK_OFFERS_NOT_ALLOWED",
        description="offerCreate/offerUpdate by bank staff: the partner does not allow the bank's own offers to its"
        " customers (partnerOfferSettingsSet). Nothing was stored.",
    )
    FREQUENCY_CAP_REACHED = strawberry.enum_value(
        "FREQUENCY_CAP_REACHED",
        description="offerEventRecord IMPRESSION: the offer was shown to this customer as often as its frequency cap"
        " allows within the cap's period. Nothing was recorded.",
    )
    OFFER_NOT_ELIGIBLE = strawberry.enum_value(
        "OFFER_NOT_ELIGIBLE",
        description="offerEventRecord: the offer is paused or outside its dates, or its target rules do not select this"
        " customer (a bank offer also when the partner stopped allowing them). Nothing was recorded.",
    )
    TICKET_CLOSED = strawberry.enum_value(
        "TICKET_CLOSED",
        description="supportTicketReply/supportTicketUpdate: the support ticket is CLOSED, which is final. Open a new"
        " ticket (supportTicketOpen). Nothing was stored.",
    )
    NOT_DISPUTABLE = strawberry.enum_value(
        "NOT_DISPUTABLE",
        description="disputeOpen: the ticket names no payment to a merchant (its transaction is not a PAYMENT), or"
        " nothing of the payment remains refundable. Nothing was stored.",
    )
    RESPONSE_DEADLINE_PASSED = strawberry.enum_value(
        "RESPONSE_DEADLINE_PASSED",
        description="disputeRespond: the dispute's respondBy has passed; the merchant's answer is no longer taken and"
        " bank staff decide on what they have. Nothing was stored.",
    )
    APPROVAL_REQUIRED = strawberry.enum_value(
        "APPROVAL_REQUIRED",
        description="transferCreate, withdrawalCreate or a payment with a customer token of a BUSINESS customer, above"
        " the business's approval threshold in that currency (businessApprovalPolicySet): make a payout request"
        " (payoutRequestCreate) for a second member to approve. Nothing moved; the idempotencyKey is not used up.",
    )
    SELF_APPROVAL_FORBIDDEN = strawberry.enum_value(
        "SELF_APPROVAL_FORBIDDEN",
        description="payoutRequestApprove by the member who made the request, with any of its tokens: a different"
        " member with approval rights must approve. Nothing changed.",
    )
    MEMBER_ROLE_FORBIDDEN = strawberry.enum_value(
        "MEMBER_ROLE_FORBIDDEN",
        description="The business member's role does not allow this action (the role table in the README's"
        " Businesses section), the member was removed, or the action needs a member's token and none acts."
        " Nothing changed.",
    )
    PAYOUT_REQUEST_NOT_PENDING = strawberry.enum_value(
        "PAYOUT_REQUEST_NOT_PENDING",
        description="payoutRequestApprove or payoutRequestReject: the request was already approved, rejected or has"
        " expired. Read it again: its status says which. Nothing changed.",
    )
    LAST_OWNER = strawberry.enum_value(
        "LAST_OWNER",
        description="businessMemberRemove: the member is the business's last active OWNER. Add another OWNER first."
        " Nothing changed.",
    )
    BULK_FILE_ENCODING = strawberry.enum_value(
        "BULK_FILE_ENCODING",
        description="bulkPayoutCreate: the file is not UTF-8 (a byte order mark is allowed): the message gives the"
        " offset of the first invalid byte. Save it as UTF-8 and upload again. Nothing was stored.",
    )
    BULK_FILE_HEADER = strawberry.enum_value(
        "BULK_FILE_HEADER",
        description="bulkPayoutCreate: line 1 of the file is not the header beneficiary,amount,reference (any case),"
        " or the file is empty. Nothing was stored.",
    )
    BULK_TOO_MANY_LINES = strawberry.enum_value(
        "BULK_TOO_MANY_LINES",
        description="bulkPayoutCreate: the file holds more than 10,000 payout lines (or more than 4 Mi characters):"
        " split it into several batches. Nothing was stored.",
    )
    BULK_DUPLICATE_LINE = strawberry.enum_value(
        "BULK_DUPLICATE_LINE",
        description="A bulk payout line (BulkPayoutLine.errorCode) repeats an earlier line's beneficiary, amount and"
        " reference; the message names the earlier line. It is never paid.",
    )
    BULK_PAYOUT_INVALID = strawberry.enum_value(
        "BULK_PAYOUT_INVALID",
        description="bulkPayoutExecute: an ALL_OR_NOTHING batch has at least one invalid line (read"
        " BulkPayout.lines), or a beneficiary can no longer be paid (frozen or closed since the upload). Nothing"
        " moved; upload a corrected file, or use PARTIAL mode.",
    )


@strawberry.type(
    description="Why a mutation refused to act (a business refusal). Nothing was changed, and a money movement's"
    " idempotencyKey was not used up: fix the cause and retry."
)
class UserError:
    code: ErrorCode = strawberry.field(
        description="The stable, machine-readable reason: switch on this (see ErrorCode for each value)."
    )
    message: str = strawberry.field(
        description="A human-readable explanation in English, for logs and support, not for parsing: it may name the"
        " limit, what remains or the allowed values."
    )
    field: list[str] | None = strawberry.field(
        default=None,
        description='The path of the input field at fault, relative to the mutation\'s input, e.g. ["amount"] or'
        ' ["business", "beneficialOwners", "1", "ownershipBps"] (list positions are 0-based strings). Null when the'
        " refusal is not about one field.",
    )

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        """Map a service refusal to the payload error partners see."""
        return cls(code=ErrorCode(error.code), message=error.message, field=error.field)


def _object_of(result: Any) -> tuple[str | None, str | None, Any]:
    """(type, id, owning partner id) of the object a mutation acted on: what its ServiceResult names."""
    target = result.audit_target() if isinstance(result, ServiceResult) else None
    return (None, None, None) if target is None else (target.object_type, target.object_id, target.partner_id)


async def attempt(
    info: Any, call: Awaitable[T], *, detail: str | None = None, dry_run: bool = False,
) -> tuple[T | None, list[UserError]]:
    """Await a mutation's service call, audit its outcome, and turn a refusal into userErrors.

    A dry run (dryRun: true) writes nothing, its audit row included: it changes nothing to account for, and a
    dry run must leave the database exactly as it was. The request log still records it.
    """
    context = info.context
    try:
        result = await call
    except Forbidden:
        raise  # not a refusal for userErrors: answered like a permission rule, a FORBIDDEN GraphQL error
    except DomainError as error:
        outcome, result, errors = error.code, None, [UserError.from_domain(error)]
        context.outcome_codes.append(error.code)  # logged with the request, whatever the client selects
    else:
        outcome, errors = "OK", []
        if result is not None and not isinstance(result, ServiceResult):
            # The audit row names what the ServiceResult says it is about; a bare row or value would go unnamed.
            raise TypeError(f"{info.field_name}: a mutation's service must return a ServiceResult, not {type(result).__name__}")
    context.audited.add(info.path.key)
    if dry_run:
        return result, errors
    if isinstance(result, ServiceResult) and result.audited:
        return result, errors  # the service wrote the row inside its own transaction
    object_type, object_id, partner_id = _object_of(result) if result is not None else (None, None, None)
    await record_event(
        actor=actor_of(context.principal), operation=info.field_name, outcome=outcome,
        object_type=object_type, object_id=object_id, request_id=context.request_id, detail=detail,
        # Staff actions are filed under the partner they touched, so auditEvents(partnerId:) shows them.
        partner_id=partner_id,
    )
    return result, errors
