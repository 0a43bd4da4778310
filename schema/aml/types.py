"""GraphQL types of AML alerts, cases and case notes (bank staff only)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from schema.aml.loaders import aml_loaders
from schema.common.context import Info
from schema.common.permissions import requires
from schema.common.relay import to_global_id
from services.aml.cases import CaseNoteRecord, CaseRecord

if TYPE_CHECKING:
    from schema.customers.types import Customer
    from schema.ledger.types import Transaction
    from schema.wallets.types import Wallet

CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers.types")]
WalletRef = Annotated["Wallet", strawberry.lazy("schema.wallets.types")]
TransactionRef = Annotated["Transaction", strawberry.lazy("schema.ledger.types")]


@strawberry.enum(description="How serious the rule judged the activity.")
class AmlSeverity(Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


@strawberry.enum(description="What the rule did: only ALERT, or HOLD the transaction for review.")
class AmlAction(Enum):
    ALERT = "ALERT"
    HOLD = "HOLD"


@strawberry.enum(description="OPEN until compliance decides; then RELEASED, REJECTED or DISMISSED.")
class AmlAlertStatus(Enum):
    OPEN = "OPEN"
    RELEASED = "RELEASED"
    REJECTED = "REJECTED"
    DISMISSED = "DISMISSED"


@strawberry.enum
class AmlCaseStatus(Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


async def _customer(info: Info, customer_id: Any) -> Any:
    from schema.customers.types import Customer

    model = await info.context.loaders.customer.load(customer_id)
    return Customer.from_record(model) if model is not None else None


@strawberry.type(description="What an AML rule saw. Shown to bank staff only: a customer must not be tipped off.")
class AmlAlert:
    id: strawberry.ID
    partner_id: strawberry.ID = strawberry.field(description="The partner whose customer this is (a Partner ID).")
    rule: str
    severity: AmlSeverity
    action: AmlAction
    status: AmlAlertStatus
    details: JSON = strawberry.field(description="What the rule measured (amounts, counts, thresholds).")
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None = strawberry.field(description="The staff user id who decided.")
    resolution_reason: str | None
    _model: strawberry.Private[Any]

    @classmethod
    def from_model(cls, model: Any) -> AmlAlert:
        """The GraphQL view of an alert row."""
        return cls(
            id=to_global_id("AmlAlert", model.id), partner_id=to_global_id("Partner", model.partner_id),
            rule=model.rule, severity=AmlSeverity(model.severity), action=AmlAction(model.action),
            status=AmlAlertStatus(model.status), details=model.details or {}, created_at=model.created_at,
            resolved_at=model.resolved_at, resolved_by=model.resolved_by, resolution_reason=model.resolution_reason,
            _model=model,
        )

    @strawberry.field(permission_classes=requires("customers:read"))
    async def customer(self, info: Info) -> CustomerRef | None:
        return await _customer(info, self._model.customer_id)

    @strawberry.field(permission_classes=requires("wallets:read"))
    async def wallet(self, info: Info) -> WalletRef | None:
        from schema.wallets.types import Wallet

        if self._model.wallet_id is None:
            return None
        model = await info.context.loaders.wallet.load(self._model.wallet_id)
        return Wallet.from_record(model) if model is not None else None

    @strawberry.field(permission_classes=requires("transactions:read"))
    async def transaction(self, info: Info) -> TransactionRef | None:
        from schema.ledger.types import Transaction

        if self._model.transaction_id is None:
            return None
        model = await aml_loaders(info).transaction.load(self._model.transaction_id)
        return Transaction.from_record(model) if model is not None else None

    @strawberry.field(permission_classes=requires("aml:read"), name="case", description="The case the alert is in, if any.")
    async def case_(self, info: Info) -> AmlCase | None:
        if self._model.case_id is None:
            return None
        model = await aml_loaders(info).case.load(self._model.case_id)
        return AmlCase.from_model(model) if model is not None else None


@strawberry.type(description="A note on a case. Notes are never edited; closing a case adds its reason as one.")
class AmlCaseNote:
    author_id: str = strawberry.field(description="The staff user id who wrote it.")
    text: str
    created_at: datetime

    @classmethod
    def from_model(cls, model: Any) -> AmlCaseNote:
        """The GraphQL view of a note row."""
        return cls(author_id=model.author_id, text=model.text, created_at=model.created_at)

    @classmethod
    def from_record(cls, record: CaseNoteRecord) -> AmlCaseNote:
        """The GraphQL view of a note a service returned."""
        return cls(author_id=record.author_id, text=record.text, created_at=record.created_at)


@strawberry.type(description="Compliance's investigation of one customer's alerts.")
class AmlCase:
    id: strawberry.ID
    partner_id: strawberry.ID = strawberry.field(description="The partner whose customer this is (a Partner ID).")
    title: str
    status: AmlCaseStatus
    assignee_id: str | None = strawberry.field(description="The staff user id of the officer in charge.")
    opened_by: str = strawberry.field(description="The staff user id who opened it.")
    created_at: datetime
    closed_at: datetime | None
    _record: strawberry.Private[CaseRecord]

    @classmethod
    def from_model(cls, model: Any) -> AmlCase:
        """The GraphQL view of a case row (the read paths still hand out rows)."""
        return cls.from_record(CaseRecord.from_row(model))

    @classmethod
    def from_record(cls, record: CaseRecord) -> AmlCase:
        """The GraphQL view of a case a service returned."""
        return cls(
            id=to_global_id("AmlCase", record.id), partner_id=to_global_id("Partner", record.partner_id),
            title=record.title, status=AmlCaseStatus(record.status), assignee_id=record.assignee_id,
            opened_by=record.opened_by, created_at=record.created_at, closed_at=record.closed_at, _record=record,
        )

    @strawberry.field(permission_classes=requires("customers:read"))
    async def customer(self, info: Info) -> CustomerRef | None:
        return await _customer(info, self._record.customer_id)

    @strawberry.field(permission_classes=requires("aml:read"), description="Oldest first.")
    async def alerts(self, info: Info) -> list[AmlAlert]:
        rows = await aml_loaders(info).case_alerts.load(self._record.id)
        return [AmlAlert.from_model(row) for row in rows]

    @strawberry.field(permission_classes=requires("aml:read"), description="In the order they were written.")
    async def notes(self, info: Info) -> list[AmlCaseNote]:
        rows = await aml_loaders(info).case_notes.load(self._record.id)
        return [AmlCaseNote.from_model(row) for row in rows]
