"""AML alerts and cases: staff with aml:read look (admin, compliance); compliance (aml:review) decides."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any

import strawberry

from schema.aml.types import AmlAlert, AmlAlertStatus, AmlCase, AmlCaseNote, AmlCaseStatus, AmlSeverity
from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import Connection, global_id_to_uuid, parse_global_id
from services.aml import alert_queries, cases
from services.aml.cases import CaseRecord
from services.aml.report import suspicious_activity_report
from services.alert_decisions import resolve_alert
from services.errors import NotFound


@strawberry.enum(description="What compliance decides on an alert: RELEASE or REJECT a held transaction, or DISMISS.")
class AmlDecision(Enum):
    RELEASE = "RELEASE"
    REJECT = "REJECT"
    DISMISS = "DISMISS"


@strawberry.enum
class AmlReportFormat(Enum):
    JSON = "JSON"
    CSV = "CSV"


@strawberry.input
class AmlCaseOpenInput:
    alert_ids: list[strawberry.ID] = strawberry.field(description="Alerts of one customer, in no case yet.")
    title: str


@strawberry.input
class AmlCaseAssignInput:
    case_id: strawberry.ID
    assignee_id: strawberry.ID = strawberry.field(description="An active compliance officer's staff user id.")


@strawberry.input
class AmlCaseNoteAddInput:
    case_id: strawberry.ID
    text: str = strawberry.field(description="1 to 4000 characters.")


@strawberry.input
class AmlCaseCloseInput:
    case_id: strawberry.ID
    reason: str


@strawberry.input
class AmlAlertResolveInput:
    alert_id: strawberry.ID
    decision: AmlDecision
    reason: str | None = None


@strawberry.type
class AmlCasePayload:
    case: AmlCase | None
    user_errors: list[UserError]


@strawberry.type
class AmlCaseNoteAddPayload:
    case: AmlCase | None
    note: AmlCaseNote | None
    user_errors: list[UserError]


@strawberry.type
class AmlAlertResolvePayload:
    alert: AmlAlert | None
    user_errors: list[UserError]


def _id(global_id: strawberry.ID | None, type_name: str, field: str) -> uuid.UUID:
    """The row id behind a global ID of the type, or NotFound naming the input field."""
    row_id = global_id_to_uuid(global_id, type_name)
    if row_id is None:
        raise NotFound(f"{type_name} not found", field=[field])
    return row_id


def _staff_id(value: str) -> uuid.UUID | None:
    """A staff user id given as a StaffUser global ID or as the raw id auditEvents shows."""
    parsed = parse_global_id(value)
    if parsed is not None and parsed[0] == "StaffUser":
        return parsed[1]
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None


def _case_payload(record: CaseRecord | None, errors: list[UserError]) -> AmlCasePayload:
    return AmlCasePayload(case=AmlCase.from_record(record) if record is not None else None, user_errors=errors)


@strawberry.type
class AmlQueries:
    @strawberry.field(permission_classes=requires("aml:read"), description="Staff only. Newest first.")
    async def aml_alerts(
        self, info: Info, status: AmlAlertStatus | None = None, severity: AmlSeverity | None = None,
        partner_id: strawberry.ID | None = None, customer_id: strawberry.ID | None = None,
        first: int | None = 20, after: str | None = None,
    ) -> Connection[AmlAlert]:
        page = await alert_queries.list_alerts(
            principal=info.context.principal, first=first, after=after,
            status=status.value if status else None, severity=severity.value if severity else None,
            partner_id=_id(partner_id, "Partner", "partnerId") if partner_id is not None else None,
            customer_id=_id(customer_id, "Customer", "customerId") if customer_id is not None else None,
        )
        return Connection.from_page(page, AmlAlert.from_model)

    @strawberry.field(permission_classes=requires("aml:read"), description="Staff only.")
    async def aml_alert(self, info: Info, id: strawberry.ID) -> AmlAlert:
        model = await alert_queries.get_alert(principal=info.context.principal, alert_id=global_id_to_uuid(id, "AmlAlert"))
        return AmlAlert.from_model(model)

    @strawberry.field(permission_classes=requires("aml:read"), description="Staff only. Newest first.")
    async def aml_cases(
        self, info: Info, status: AmlCaseStatus | None = None, first: int | None = 20, after: str | None = None
    ) -> Connection[AmlCase]:
        page = await alert_queries.list_cases(
            principal=info.context.principal, first=first, after=after, status=status.value if status else None
        )
        return Connection.from_page(page, AmlCase.from_model)

    @strawberry.field(permission_classes=requires("aml:read"), description="Staff only.")
    async def aml_case(self, info: Info, id: strawberry.ID) -> AmlCase:
        model = await alert_queries.get_case(principal=info.context.principal, case_id=global_id_to_uuid(id, "AmlCase"))
        return AmlCase.from_model(model)

    @strawberry.field(
        permission_classes=requires("aml:read"),
        description="Staff only. The suspicious activity report of a case (no KYC personal data), as JSON or CSV.",
    )
    async def aml_case_report(self, info: Info, case_id: strawberry.ID, format: AmlReportFormat) -> str:
        case = await alert_queries.get_case(
            principal=info.context.principal, case_id=global_id_to_uuid(case_id, "AmlCase"), field="caseId"
        )
        return await suspicious_activity_report(case_id=case.id, format=format.value)


@strawberry.type
class AmlMutations:
    @strawberry.mutation(permission_classes=requires("aml:review"), description="Compliance: group one customer's alerts.")
    async def aml_case_open(self, info: Info, input: AmlCaseOpenInput) -> AmlCasePayload:
        record, errors = await attempt(info, cases.open_case(
            principal=info.context.principal, alert_ids=[global_id_to_uuid(i, "AmlAlert") for i in input.alert_ids],
            title=input.title, audit=audit_note(info),
        ), detail=f"alertIds={','.join(input.alert_ids)}"[:2000])
        return _case_payload(record, errors)

    @strawberry.mutation(permission_classes=requires("aml:review"), description="Compliance: an officer takes the case.")
    async def aml_case_assign(self, info: Info, input: AmlCaseAssignInput) -> AmlCasePayload:
        record, errors = await attempt(info, cases.assign_case(
            principal=info.context.principal, case_id=global_id_to_uuid(input.case_id, "AmlCase"),
            assignee_staff_id=_staff_id(input.assignee_id), audit=audit_note(info),
        ), detail=f"caseId={input.case_id} assigneeId={input.assignee_id}")
        return _case_payload(record, errors)

    @strawberry.mutation(permission_classes=requires("aml:review"), description="Compliance: append a note to an open case.")
    async def aml_case_note_add(self, info: Info, input: AmlCaseNoteAddInput) -> AmlCaseNoteAddPayload:
        note, errors = await attempt(info, cases.add_case_note(
            principal=info.context.principal, case_id=global_id_to_uuid(input.case_id, "AmlCase"), text=input.text,
            audit=audit_note(info),
        ), detail=f"caseId={input.case_id}")
        return AmlCaseNoteAddPayload(
            case=AmlCase.from_record(note.case) if note is not None else None,
            note=AmlCaseNote.from_record(note) if note is not None else None, user_errors=errors,
        )

    @strawberry.mutation(permission_classes=requires("aml:review"), description="Compliance: close a case whose alerts are all resolved.")
    async def aml_case_close(self, info: Info, input: AmlCaseCloseInput) -> AmlCasePayload:
        record, errors = await attempt(info, cases.close_case(
            principal=info.context.principal, case_id=global_id_to_uuid(input.case_id, "AmlCase"),
            reason=input.reason, audit=audit_note(info),
        ), detail=f"caseId={input.case_id}")
        return _case_payload(record, errors)

    @strawberry.mutation(
        permission_classes=requires("aml:review"),
        description="Compliance: decide an open alert. RELEASE posts a held transaction, REJECT reverses it, DISMISS closes the alert.",
    )
    async def aml_alert_resolve(self, info: Info, input: AmlAlertResolveInput) -> AmlAlertResolvePayload:
        async def resolve() -> Any:
            return await resolve_alert(
                principal=info.context.principal, alert_id=_id(input.alert_id, "AmlAlert", "alertId"),
                decision=input.decision.value, reason=input.reason,
            )

        model, errors = await attempt(info, resolve(), detail=f"alertId={input.alert_id} decision={input.decision.value}")
        return AmlAlertResolvePayload(alert=AmlAlert.from_model(model) if model is not None else None, user_errors=errors)
