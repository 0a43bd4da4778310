"""GraphQL types of AML alerts, cases and case notes (bank staff only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from schema.aml.loaders import aml_loaders
from schema.aml.vocabulary import (
    AmlAction, AmlAlertStatus, AmlCaseStatus, AmlEvidence, AmlRule, AmlSeverity,
)
from schema.common.context import Info
from schema.common.enums import PartnerEnvironment
from schema.common.permissions import requires
from schema.common.relay import Node, to_global_id
from schema.common.staff_ids import staff_user_gid
from services.aml import evidence as aml_evidence
from services.aml.cases import CaseNoteRecord, CaseRecord
from services.aml.records import AlertRecord

if TYPE_CHECKING:
    from schema.customers.types import Customer

CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers.types")]
WalletRef = Annotated["Wallet", strawberry.lazy("schema.wallets.types")]
TransactionRef = Annotated["Transaction", strawberry.lazy("schema.ledger.types")]


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
