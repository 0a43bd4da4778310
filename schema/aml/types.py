"""GraphQL types of AML alerts, cases and case notes (bank staff only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from schema.aml.loaders import aml_loaders
from schema.common.context import Info
from schema.common.enums import PartnerEnvironment
from schema.common.permissions import requires
from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from schema.common.staff_ids import staff_user_gid
from services.aml import evidence as aml_evidence
from services.aml.cases import CaseNoteRecord, CaseRecord
from services.aml.records import AlertRecord

if TYPE_CHECKING:
    from schema.customers.types import Customer
    from schema.ledger.types import Transaction
    from schema.wallets.types import Wallet

CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers.types")]
WalletRef = Annotated["Wallet", strawberry.lazy("schema.wallets.types")]
TransactionRef = Annotated["Transaction", strawberry.lazy("schema.ledger.types")]


@strawberry.enum(
    description="How serious the rule judged the activity; set per rule by the customer's regional policy pack"
    " (watchlist screening hits are always HIGH)."
)
class AmlSeverity(Enum):
    LOW = strawberry.enum_value("LOW", description="Low: a weak indicator on its own.")
    MEDIUM = strawberry.enum_value("MEDIUM", description="Medium: a notable indicator.")
    HIGH = strawberry.enum_value("HIGH", description="High: a strong indicator; every watchlist screening hit is HIGH.")


@strawberry.enum(description="What the rule did: only ALERT, or HOLD the transaction (or customer) for review.")
class AmlAction(Enum):
    ALERT = strawberry.enum_value(
        "ALERT", description="Alert only: the money moved as usual. Decided with DISMISS."
    )
    HOLD = strawberry.enum_value(
        "HOLD",
        description="The transaction was HELD (its amount reserved, nothing moved) or, for a watchlist hit, the"
        " customer was held (COMPLIANCE_HOLD) until compliance decides with RELEASE or REJECT.",
    )


@strawberry.enum(description="OPEN until compliance decides (amlAlertResolve); then RELEASED, REJECTED or DISMISSED, for good.")
class AmlAlertStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="Waiting for a compliance decision.")
    RELEASED = strawberry.enum_value(
        "RELEASED",
        description="Decided RELEASE: the held transaction was posted, or a screening hold on the customer was"
        " cleared (a false positive).",
    )
    REJECTED = strawberry.enum_value(
        "REJECTED",
        description="Decided REJECT: the held transaction was rejected (no money moved), or the customer was blocked"
        " (a confirmed screening match).",
    )
    DISMISSED = strawberry.enum_value(
        "DISMISSED", description="Decided DISMISS: an alert-only (ALERT) rule, reviewed and closed; nothing was held."
    )


@strawberry.enum(description="Whether an AML case is still being worked on.")
class AmlCaseStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="Being investigated: notes and reassignment are possible.")
    CLOSED = strawberry.enum_value(
        "CLOSED", description="Closed for good once all its alerts were decided; no more notes or reassignment."
    )


@strawberry.enum(
    description="The AML rules. The six transaction rules run on every posting under the customer's regional policy"
    " pack, which sets their parameters, severity and action (amounts in basis points of the pack's large-transaction"
    " threshold in the posting's currency); SANCTIONS_SCREENING is the watchlist check of customerCreate,"
    " customerUpdate (display name) and kycSubmit, and is not set"
    " in a pack."
)
class AmlRule(Enum):
    LARGE_TRANSACTION = strawberry.enum_value(
        "LARGE_TRANSACTION",
        description="One posting (in or out) at or above the pack's large-transaction threshold in its currency.",
    )
    VELOCITY = strawberry.enum_value(
        "VELOCITY",
        description="More than maxCount outgoing postings (transfers, withdrawals) by one customer in one currency"
        " within windowMinutes.",
    )
    STRUCTURING = strawberry.enum_value(
        "STRUCTURING",
        description="At least minCount outgoing amounts just under the threshold (at most bandBps below it) within"
        " windowHours: a large amount split to stay under the threshold.",
    )
    RAPID_PASS_THROUGH = strawberry.enum_value(
        "RAPID_PASS_THROUGH",
        description="Money received by transfer leaves the wallet again within windowMinutes: the amount out is at"
        " least amountBps of the threshold, and in and out are each at least minShareBps of the other.",
    )
    NEW_ACCOUNT_HIGH_VALUE = strawberry.enum_value(
        "NEW_ACCOUNT_HIGH_VALUE",
        description="An outgoing amount of at least amountBps of the threshold from a wallet opened less than"
        " accountAgeDays ago.",
    )
    DORMANT_REACTIVATION = strawberry.enum_value(
        "DORMANT_REACTIVATION",
        description="Money moves in or out of a wallet with no transaction for dormantDays or more (counted from its"
        " opening if it never had one).",
    )
    SANCTIONS_SCREENING = strawberry.enum_value(
        "SANCTIONS_SCREENING",
        description="A watchlist hit: the customer's display name (customerCreate, customerUpdate) or, at kycSubmit, the"
        " subject or a business's beneficial owner matched a listed entry"
        " at or above the bank's screening threshold. Always HIGH and HOLD (the customer is held); not set in a policy"
        " pack (VALIDATION there).",
    )


@strawberry.enum(
    description="What one piece of an alert's evidence measured (AmlAlert.evidence). Amounts are in the currency of the"
    " alert's transaction; each value names the rules that record it."
)
class AmlEvidenceName(Enum):
    AMOUNT = strawberry.enum_value(
        "AMOUNT", description="The posting's amount (LARGE_TRANSACTION, NEW_ACCOUNT_HIGH_VALUE); in amount."
    )
    AMOUNT_IN = strawberry.enum_value(
        "AMOUNT_IN",
        description="What the wallet received by transfer within the window (RAPID_PASS_THROUGH); in amount.",
    )
    AMOUNT_OUT = strawberry.enum_value(
        "AMOUNT_OUT", description="The outgoing amount that passed it on (RAPID_PASS_THROUGH); in amount."
    )
    THRESHOLD = strawberry.enum_value(
        "THRESHOLD",
        description="The pack's large-transaction threshold in the posting's currency (LARGE_TRANSACTION,"
        " STRUCTURING); in amount.",
    )
    BAND_FROM = strawberry.enum_value(
        "BAND_FROM",
        description="The lowest amount of the just-under-the-threshold band, which runs up to THRESHOLD exclusive"
        " (STRUCTURING); in amount.",
    )
    COUNT = strawberry.enum_value(
        "COUNT",
        description="How many outgoing postings counted, this one included: all of them (VELOCITY) or those in the"
        " band (STRUCTURING); in quantity.",
    )
    MAX_COUNT = strawberry.enum_value(
        "MAX_COUNT", description="The most outgoing postings the window allows (VELOCITY); in quantity."
    )
    WINDOW_MINUTES = strawberry.enum_value(
        "WINDOW_MINUTES",
        description="The length of the window looked at, in minutes (VELOCITY, RAPID_PASS_THROUGH); in quantity.",
    )
    WINDOW_HOURS = strawberry.enum_value(
        "WINDOW_HOURS", description="The length of the window looked at, in hours (STRUCTURING); in quantity."
    )
    ACCOUNT_AGE_DAYS = strawberry.enum_value(
        "ACCOUNT_AGE_DAYS",
        description="The age in days below which a wallet counts as new (NEW_ACCOUNT_HIGH_VALUE); in quantity.",
    )
    DORMANT_DAYS = strawberry.enum_value(
        "DORMANT_DAYS",
        description="The idle days after which a wallet counts as dormant (DORMANT_REACTIVATION); in quantity.",
    )
    OPENED_AT = strawberry.enum_value(
        "OPENED_AT", description="When the wallet was opened (NEW_ACCOUNT_HIGH_VALUE); in time."
    )
    LAST_ACTIVITY_AT = strawberry.enum_value(
        "LAST_ACTIVITY_AT",
        description="The wallet's last transaction before this one, or its opening if none (DORMANT_REACTIVATION);"
        " in time.",
    )
    LIST_ID = strawberry.enum_value(
        "LIST_ID", description="The watchlist that holds the matching entry (SANCTIONS_SCREENING); in value."
    )
    ENTRY_ID = strawberry.enum_value(
        "ENTRY_ID", description="The matching entry's id within that watchlist (SANCTIONS_SCREENING); in value."
    )
    MATCHED_NAME = strawberry.enum_value(
        "MATCHED_NAME",
        description="The listed name or alias that matched, as the watchlist spells it (public list data, never the"
        " screened customer's name) (SANCTIONS_SCREENING); in value.",
    )
    MATCH_SCORE = strawberry.enum_value(
        "MATCH_SCORE",
        description="The strength of the match from 0 to 1 (1: identical names), on the scale of the bank's screening"
        " threshold (SANCTIONS_SCREENING); in score.",
    )
    SCREENED_AT = strawberry.enum_value(
        "SCREENED_AT", description="When the screening ran (SANCTIONS_SCREENING); in time."
    )


@strawberry.type(
    description="One thing an AML rule measured when it fired, e.g. LARGE_TRANSACTION's AMOUNT and THRESHOLD. `value`"
    " always holds it as text; the one typed field of its kind holds it typed (amount for amounts, quantity for"
    " counts, windows and days, time for times, score for the match score) and the other typed fields are null."
)
class AmlEvidence:
    name: AmlEvidenceName = strawberry.field(description="What was measured; its description says in which field.")
    value: str = strawberry.field(
        description='The value as text: an amount as a decimal string in its currency (e.g. "10000.00"), a whole'
        ' number in digits, a time in ISO 8601 (UTC), the match score with 4 decimals (e.g. "0.9123"), or the'
        " watchlist's own text."
    )
    amount: Money | None = strawberry.field(
        description="An amount (AMOUNT, AMOUNT_IN, AMOUNT_OUT, THRESHOLD, BAND_FROM) in the currency of the alert's"
        " transaction; null for any other name."
    )
    quantity: int | None = strawberry.field(
        description="A whole number (COUNT, MAX_COUNT, WINDOW_MINUTES, WINDOW_HOURS, ACCOUNT_AGE_DAYS, DORMANT_DAYS),"
        " in the unit its name says; null for any other name."
    )
    time: datetime | None = strawberry.field(
        description="A time in UTC (OPENED_AT, LAST_ACTIVITY_AT, SCREENED_AT); null for any other name."
    )
    score: float | None = strawberry.field(
        description="The match score (MATCH_SCORE), 0 to 1 rounded to 4 decimals, on the same scale as the bank's"
        " screening threshold; null for any other name."
    )

    @classmethod
    def of(cls, item: aml_evidence.Evidence, currency: str | None) -> AmlEvidence:
        """The GraphQL view of one piece of evidence; amounts need their currency (None: no amount shown)."""
        amount = Money.of(item.minor, currency) if item.minor is not None and currency is not None else None
        return cls(name=AmlEvidenceName(item.name), value=item.text, amount=amount, quantity=item.whole, time=item.at,
                   score=item.score)


async def _alert_currency(info: Info, record: AlertRecord) -> str | None:
    """The currency of the alert's amounts: its transaction's (the posting the rule judged), else its wallet's."""
    if record.transaction_id is not None:
        transaction = await aml_loaders(info).transaction.load(record.transaction_id)
        if transaction is not None:
            return transaction.currency
    if record.wallet_id is not None:
        wallet = await info.context.loaders.wallet.load(record.wallet_id)
        if wallet is not None:
            return wallet.currency
    return None


async def _customer(info: Info, customer_id: uuid.UUID) -> Customer | None:
    from schema.customers.types import Customer

    record = await info.context.loaders.customer.load(customer_id)
    return Customer.from_record(record) if record is not None else None


@strawberry.type(
    description="What an AML rule (or watchlist screening) saw in one customer's activity. Shown to bank staff with"
    " aml:read (admin, compliance) only: a customer must not be tipped off, so partners never see alerts."
)
class AmlAlert(Node):
    id: strawberry.ID = strawberry.field(
        description="The alert's opaque global ID: for amlAlert(id:), node(id:), amlAlertResolve and amlCaseOpen."
    )
    partner_id: strawberry.ID = strawberry.field(description="The partner whose customer this is (a Partner global ID).")
    rule: str = strawberry.field(
        description="The rule that fired: LARGE_TRANSACTION, VELOCITY, STRUCTURING, RAPID_PASS_THROUGH,"
        " NEW_ACCOUNT_HIGH_VALUE, DORMANT_REACTIVATION (transaction rules, parameters from the policy pack) or"
        " SANCTIONS_SCREENING (a watchlist hit at customerCreate, customerUpdate or kycSubmit).",
        deprecation_reason="Use ruleName: the same rule as the AmlRule enum.",
    )
    severity: AmlSeverity = strawberry.field(description="How serious the rule judged it.")
    action: AmlAction = strawberry.field(description="Whether it only alerted or held the transaction or customer.")
    status: AmlAlertStatus = strawberry.field(description="OPEN until decided, then how it was decided.")
    details: JSON = strawberry.field(
        description="What the rule measured, a JSON object that depends on the rule: amounts are integer minor units"
        " in keys ending in Minor (amountMinor, thresholdMinor...), plus counts, windows and times (ISO 8601); a"
        " watchlist hit's score is in basis points (0 to 10000).",
        deprecation_reason="Use evidence: the same values typed, amounts as Money and the match score from 0 to 1.",
    )
    created_at: datetime = strawberry.field(description="When the rule fired (UTC).")
    resolved_at: datetime | None = strawberry.field(description="When it was decided (UTC); null while OPEN.")
    resolved_by: str | None = strawberry.field(
        description="The StaffUser (global ID) who decided; null while OPEN."
    )
    resolution_reason: str | None = strawberry.field(
        description="The decision's reason (up to 1000 characters); for alerts closed with another alert of the same"
        " transaction it names that alert. Null while OPEN."
    )
    _record: strawberry.Private[AlertRecord]

    @classmethod
    def from_record(cls, record: AlertRecord) -> AmlAlert:
        """The GraphQL view of an alert a service returned."""
        return cls(
            id=to_global_id("AmlAlert", record.id), partner_id=to_global_id("Partner", record.partner_id),
            rule=record.rule, severity=AmlSeverity(record.severity), action=AmlAction(record.action),
            status=AmlAlertStatus(record.status), details=record.details, created_at=record.created_at,
            resolved_at=record.resolved_at, resolved_by=staff_user_gid(record.resolved_by), resolution_reason=record.resolution_reason,
            _record=record,
        )

    @strawberry.field(
        description="The rule that fired: a transaction rule (parameters from the customer's policy pack) or"
        " SANCTIONS_SCREENING (a watchlist hit at customerCreate, customerUpdate or kycSubmit)."
    )
    def rule_name(self) -> AmlRule:
        return AmlRule(self._record.rule)

    @strawberry.field(
        description="What the rule measured, typed, in a fixed order (see AmlEvidenceName for which rule records"
        " what): amounts as Money in the currency of the alert's transaction, counts, windows and days as whole"
        " numbers, times in UTC, a watchlist hit's match score from 0 to 1."
    )
    async def evidence(self, info: Info) -> list[AmlEvidence]:
        details = self._record.details
        currency = await _alert_currency(info, self._record) if aml_evidence.needs_currency(details) else None
        return [AmlEvidence.of(item, currency) for item in aml_evidence.evidence(details, currency)]

    @strawberry.field(permission_classes=requires("customers:read"), description="The customer concerned. Needs customers:read.")
    async def customer(self, info: Info) -> CustomerRef | None:
        return await _customer(info, self._record.customer_id)

    @strawberry.field(
        description="The environment of the alert's partner: LIVE, or SANDBOX for a sandbox partner's test activity"
        " (amlAlerts(environment:) filters by it)."
    )
    async def environment(self, info: Info) -> PartnerEnvironment:
        found = await info.context.loaders.partner_environment.load(self._record.partner_id)
        return found or PartnerEnvironment.LIVE  # type: ignore[attr-defined]

    @strawberry.field(
        permission_classes=requires("wallets:read"),
        description="The wallet whose posting fired the rule; null for a screening alert. Needs wallets:read.",
    )
    async def wallet(self, info: Info) -> WalletRef | None:
        from schema.wallets.types import Wallet

        if self._record.wallet_id is None:
            return None
        record = await info.context.loaders.wallet.load(self._record.wallet_id)
        return Wallet.from_record(record) if record is not None else None

    @strawberry.field(
        permission_classes=requires("transactions:read"),
        description="The transaction that fired the rule (HELD while a HOLD alert is OPEN); null for a screening alert."
        " Needs transactions:read.",
    )
    async def transaction(self, info: Info) -> TransactionRef | None:
        from schema.ledger.types import Transaction

        if self._record.transaction_id is None:
            return None
        record = await aml_loaders(info).transaction.load(self._record.transaction_id)
        return Transaction.from_record(record) if record is not None else None

    @strawberry.field(
        permission_classes=requires("aml:read"), name="case",
        description="The case the alert was put in (amlCaseOpen); null if none. An alert is in at most one case.",
    )
    async def case_(self, info: Info) -> AmlCase | None:
        if self._record.case_id is None:
            return None
        record = await aml_loaders(info).case.load(self._record.case_id)
        return AmlCase.from_record(record) if record is not None else None


@strawberry.type(description="A note on a case. Notes are never edited; closing a case adds its reason as one.")
class AmlCaseNote:
    author_id: str = strawberry.field(description="The StaffUser (global ID) who wrote it.")
    text: str = strawberry.field(
        description='The note, 1 to 4000 characters; a closing note reads "Case closed: " and the reason.'
    )
    created_at: datetime = strawberry.field(description="When it was written (UTC).")

    @classmethod
    def from_record(cls, record: CaseNoteRecord) -> AmlCaseNote:
        """The GraphQL view of a note a service returned."""
        return cls(author_id=staff_user_gid(record.author_id),  # type: ignore[arg-type]
                    text=record.text, created_at=record.created_at)


@strawberry.type(
    description="Compliance's investigation of one customer's alerts, with notes. Bank staff with aml:read (admin,"
    " compliance) read cases; only compliance (aml:review) opens, assigns, annotates and closes them."
)
class AmlCase(Node):
    id: strawberry.ID = strawberry.field(
        description="The case's opaque global ID: for amlCase(id:), node(id:), amlCaseReport and the case mutations."
    )
    partner_id: strawberry.ID = strawberry.field(description="The partner whose customer this is (a Partner global ID).")
    title: str = strawberry.field(description="A short title given when opened, 1 to 200 characters.")
    status: AmlCaseStatus = strawberry.field(description="OPEN or CLOSED.")
    assignee_id: str | None = strawberry.field(
        description="The StaffUser (global ID) of the compliance officer in charge; null until assigned."
    )
    opened_by: str = strawberry.field(description="The StaffUser (global ID) who opened it.")
    created_at: datetime = strawberry.field(description="When it was opened (UTC).")
    closed_at: datetime | None = strawberry.field(description="When it was closed (UTC); null while OPEN.")
    _record: strawberry.Private[CaseRecord]

    @classmethod
    def from_record(cls, record: CaseRecord) -> AmlCase:
        """The GraphQL view of a case a service returned."""
        return cls(
            id=to_global_id("AmlCase", record.id), partner_id=to_global_id("Partner", record.partner_id),
            title=record.title, status=AmlCaseStatus(record.status), assignee_id=staff_user_gid(record.assignee_id),
            opened_by=staff_user_gid(record.opened_by), created_at=record.created_at, closed_at=record.closed_at, _record=record,
        )

    @strawberry.field(
        permission_classes=requires("customers:read"), description="The customer the case is about. Needs customers:read."
    )
    async def customer(self, info: Info) -> CustomerRef | None:
        return await _customer(info, self._record.customer_id)

    @strawberry.field(permission_classes=requires("aml:read"), description="The case's alerts (1 to 40), oldest first.")
    async def alerts(self, info: Info) -> list[AmlAlert]:
        records = await aml_loaders(info).case_alerts.load(self._record.id)
        return [AmlAlert.from_record(record) for record in records]

    @strawberry.field(permission_classes=requires("aml:read"), description="The case's notes, in the order they were written.")
    async def notes(self, info: Info) -> list[AmlCaseNote]:
        records = await aml_loaders(info).case_notes.load(self._record.id)
        return [AmlCaseNote.from_record(record) for record in records]
