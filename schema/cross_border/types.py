"""Beneficiary and InternationalTransfer: who a customer pays abroad, and each payment as its rail carries it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.errors import UserError
from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from schema.ledger.types import Transaction
from schema.rails.types import RailTransferStatus
from services.beneficiaries.records import BeneficiaryRecord
from services.cross_border.records import InternationalTransferRecord
from services.fx.pricing import format_rate


@strawberry.enum(description="Where a beneficiary is in its life.")
class BeneficiaryStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="May be paid (internationalTransferCreate).")
    NEEDS_REVIEW = strawberry.enum_value(
        "NEEDS_REVIEW", description="Its name matched a watchlist entry: bank staff decide (beneficiaryReview); not"
        " payable until approved.")
    REJECTED = strawberry.enum_value("REJECTED", description="Refused by bank staff: never payable.")
    DELETED = strawberry.enum_value("DELETED", description="Deleted by its partner or customer (beneficiaryDelete).")


@strawberry.enum(description="How the beneficiary's account is identified.")
class BeneficiaryNumberKind(Enum):
    IBAN = strawberry.enum_value("IBAN", description="An IBAN (countries with an IBAN format).")
    ACCOUNT_NUMBER = strawberry.enum_value("ACCOUNT_NUMBER", description="A local account number (other countries).")


@strawberry.enum(description="Bank staff's decision on a NEEDS_REVIEW beneficiary.")
class BeneficiaryReviewDecision(Enum):
    APPROVE = strawberry.enum_value("APPROVE", description="Not the listed person: the beneficiary becomes ACTIVE.")
    REJECT = strawberry.enum_value("REJECT", description="Refused: the beneficiary becomes REJECTED.")


@strawberry.type(description="A person or company at a foreign bank that a customer pays (internationalTransferCreate)."
                 " The account number is shown masked; the address is kept sealed for the travel rule and never shown."
                 " Visible to its partner, the customer's own token, and bank staff.")
class Beneficiary(Node):
    customer_id: strawberry.ID = strawberry.field(description="The customer it belongs to (a Customer global ID).")
    name: str = strawberry.field(description="The beneficiary's name as given (screened against the watchlists).")
    country: str = strawberry.field(description="The country of the beneficiary's bank, ISO 3166-1 alpha-2.")
    currency: str = strawberry.field(description="What the beneficiary is paid in (the FX quote's buy currency).")
    bic: str = strawberry.field(description="The SWIFT BIC of the beneficiary's bank.")
    number_kind: BeneficiaryNumberKind = strawberry.field(description="IBAN or ACCOUNT_NUMBER.")
    masked_number: str = strawberry.field(description="The IBAN or account number, masked: `•••• 1234`.")
    status: BeneficiaryStatus = strawberry.field(description="Where the beneficiary is in its life.")
    screening_score: float = strawberry.field(description="The name's best watchlist match score, 0 to 1.")
    status_reason: str | None = strawberry.field(description="Why it needs review, or the reviewer's reason.")
    created_at: datetime = strawberry.field(description="When it was added (UTC).")

    @classmethod
    def from_record(cls, record: BeneficiaryRecord) -> Beneficiary:
        """The GraphQL view of a beneficiary."""
        return cls(
            id=to_global_id("Beneficiary", record.id),  # type: ignore[arg-type]
            customer_id=to_global_id("Customer", record.customer_id),  # type: ignore[arg-type]
            name=record.name, country=record.country, currency=record.currency, bic=record.bic,
            number_kind=BeneficiaryNumberKind(record.number_kind), masked_number=record.masked_number,
            status=BeneficiaryStatus(record.status), screening_score=record.screening_score,
            status_reason=record.status_reason, created_at=record.created_at,
        )


@strawberry.type(description="A payment to a beneficiary abroad at an FX quote: its WITHDRAWAL transaction is HELD"
                 " while a cross-border rail carries it (status), POSTED when the rail settles it, REJECTED if it"
                 " fails; a RETURNED transfer gives the amount back. The travel-rule record is kept sealed.")
class InternationalTransfer(Node):
    beneficiary_id: strawberry.ID = strawberry.field(description="Who is paid (a Beneficiary global ID).")
    wallet_id: strawberry.ID = strawberry.field(description="The paying wallet (a Wallet global ID).")
    transaction_id: strawberry.ID = strawberry.field(description="Its WITHDRAWAL transaction (a Transaction ID).")
    rail_transfer_id: strawberry.ID = strawberry.field(description="The rail transfer carrying it (a RailTransfer ID).")
    quote_id: strawberry.ID = strawberry.field(description="The FX quote it used (an FxQuote global ID).")
    status: RailTransferStatus = strawberry.field(description="Where its rail transfer is (SETTLED, FAILED...).")
    amount: Money = strawberry.field(description="What the wallet pays, in its currency (the fee is on top).")
    fee: Money = strawberry.field(description="The fee charged: the withdrawal fee plus the quote's conversion fee.")
    buy_amount: Money = strawberry.field(description="What the beneficiary is paid, in the currency bought.")
    rate: str = strawberry.field(description="The quote's customer rate: units of the buy currency per sell unit.")
    purpose_code: str | None = strawberry.field(description="The declared purpose (e.g. FAM, EDU, SAL).")
    destination_country: str = strawberry.field(description="The country of the beneficiary's bank.")
    quota_counted: Money | None = strawberry.field(
        description="What it counts against the sender's annual cross-border quota (null: no quota applies).")
    compliance_review: bool = strawberry.field(
        description="true: the destination sends it to compliance review before the rail gets it.")
    created_at: datetime = strawberry.field(description="When it was accepted (UTC).")

    @classmethod
    def from_record(cls, record: InternationalTransferRecord) -> InternationalTransfer:
        """The GraphQL view of an international transfer."""
        return cls(
            id=to_global_id("InternationalTransfer", record.id),  # type: ignore[arg-type]
            beneficiary_id=to_global_id("Beneficiary", record.beneficiary_id),  # type: ignore[arg-type]
            wallet_id=to_global_id("Wallet", record.wallet_id),  # type: ignore[arg-type]
            transaction_id=to_global_id("Transaction", record.transaction_id),  # type: ignore[arg-type]
            rail_transfer_id=to_global_id("RailTransfer", record.rail_transfer_id),  # type: ignore[arg-type]
            quote_id=to_global_id("FxQuote", record.quote_id),  # type: ignore[arg-type]
            status=RailTransferStatus(record.status),
            amount=Money.of(record.sell_amount_minor, record.sell_currency),
            fee=Money.of(record.fee_minor, record.sell_currency),
            buy_amount=Money.of(record.buy_amount_minor, record.buy_currency), rate=format_rate(record.customer_rate_e9),
            purpose_code=record.purpose_code, destination_country=record.destination_country,
            quota_counted=Money.of(record.quota_minor, record.quota_currency) if record.quota_currency else None,
            compliance_review=record.compliance_review, created_at=record.created_at,
        )


@strawberry.type(description="A beneficiary added, reviewed or deleted, or why not.")
class BeneficiaryPayload:
    beneficiary: Beneficiary | None = strawberry.field(description="The beneficiary; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was changed (empty on success).")


@strawberry.type(description="The international transfer accepted (or, dryRun, what it would post), or why nothing"
                 " moved.")
class InternationalTransferPayload:
    international_transfer: InternationalTransfer | None = strawberry.field(
        description="The transfer; null on a dry run or when userErrors is not empty.")
    transaction: Transaction | None = strawberry.field(
        description="Its WITHDRAWAL transaction (HELD until the rail settles it): amount and fee in the wallet's"
        " currency, buyAmount in the beneficiary's; on a dry run, what would be posted (the fee and rate shown first).")
    rate: str | None = strawberry.field(description="The quote's customer rate (buy units per sell unit).")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing moved; empty on success. NOT_FOUND, BENEFICIARY_NOT_ACTIVE, COUNTRY_REFUSED,"
        " KYC_REQUIRED (the tier allows no cross-border transfer), VALIDATION (purposeCode), QUOTE_EXPIRED,"
        " QUOTE_ALREADY_USED, QUOTE_MISMATCH, CROSS_BORDER_QUOTA_EXCEEDED, INSUFFICIENT_FUNDS, LIMIT_EXCEEDED,"
        " COMPLIANCE_HOLD, WALLET_NOT_ACTIVE, IDEMPOTENCY_CONFLICT. A refusal uses neither the quote nor the key.")
