"""AML alerts and cases: staff with aml:read look (admin, compliance); compliance (aml:review) decides."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from enum import Enum

import strawberry

from schema.aml.types import AmlAlert, AmlCase, AmlCaseNote
from schema.aml.vocabulary import AmlAlertStatus, AmlCaseStatus, AmlSeverity
from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.enums import PartnerEnvironment
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.staff_ids import staff_user_gid
from schema.common.relay import AfterArg, BeforeArg, Connection, FirstArg, LastArg, global_id_to_uuid, parse_global_id, to_global_id
from services.aml import alert_queries, cases
from services.aml.cases import CaseRecord
from services.aml.records import AlertRecord
from services.aml.report import suspicious_activity_report
from services.alert_decisions import resolve_alert
from services.errors import NotFound


@strawberry.enum(
    description="What compliance decides on an OPEN alert: RELEASE or REJECT what a HOLD alert held, or DISMISS an"
    " alert-only (ALERT) one. Any other pairing is VALIDATION."
)
class AmlDecision(Enum):
    RELEASE = strawberry.enum_value(
        "RELEASE",
        description="HOLD alerts: post the held transaction (re-checked first: wallets active, customer not held, tier"
        " and maximum balance), or clear a screening hold on the customer (a false positive).",
    )
    REJECT = strawberry.enum_value(
        "REJECT",
        description="HOLD alerts: reject the held transaction (no money moves, the reservation ends and the sender's"
        " limits are given back), or block the customer (a confirmed screening match).",
    )
    DISMISS = strawberry.enum_value(
        "DISMISS", description="ALERT alerts: reviewed, nothing to do; the alert is closed."
    )


@strawberry.enum(description="The file format of amlCaseReport.")
class AmlReportFormat(Enum):
    JSON = strawberry.enum_value(
        "JSON", description="One JSON document: the case, its customer, alerts with their transactions, and notes."
    )
    CSV = strawberry.enum_value(
        "CSV",
        description="CSV (CRLF line ends) with a header row and one row per alert, with its transaction if any; notes"
        " are in the JSON form only. Cells a spreadsheet would run as a formula are prefixed with a quote.",
    )


@strawberry.input(description="Open a case on some of one customer's alerts.")
class AmlCaseOpenInput:
    alert_ids: list[strawberry.ID] = strawberry.field(
        description="1 to 40 AmlAlert global IDs (duplicates count once), all of one customer and in no case yet:"
        " unknown is NOT_FOUND, another customer's is VALIDATION, one already in a case is INVALID_STATE."
    )
    title: str = strawberry.field(description="A short title, 1 to 200 characters after trimming.")


@strawberry.input(description="Give an open case to a compliance officer.")
class AmlCaseAssignInput:
    case_id: strawberry.ID = strawberry.field(description="The AmlCase's global ID.")
    assignee_id: strawberry.ID = strawberry.field(
        description="The officer: the StaffUser global ID (a raw staff user id is accepted too) of an active staff user"
        " in the compliance role; anyone else is VALIDATION."
    )


@strawberry.input(description="Append a note to an open case.")
class AmlCaseNoteAddInput:
    case_id: strawberry.ID = strawberry.field(description="The AmlCase's global ID.")
    text: str = strawberry.field(
        description="The note, 1 to 4000 characters after trimming; tabs and line breaks allowed, other control"
        " characters are VALIDATION. Notes are never edited."
    )


@strawberry.input(description="Close an open case whose alerts are all decided.")
class AmlCaseCloseInput:
    case_id: strawberry.ID = strawberry.field(description="The AmlCase's global ID.")
    reason: str = strawberry.field(
        description='Why the case is closed, 1 to 1000 characters; becomes the case\'s last note ("Case closed: ...").'
    )


@strawberry.input(description="A compliance decision on one OPEN alert.")
class AmlAlertResolveInput:
    alert_id: strawberry.ID = strawberry.field(description="The AmlAlert's global ID.")
    decision: AmlDecision = strawberry.field(
        description="RELEASE or REJECT for a HOLD alert, DISMISS for an ALERT one (else VALIDATION)."
    )
    reason: str | None = strawberry.field(
        default=None,
        description="Why, 1 to 1000 characters after trimming: required in practice (null or blank is VALIDATION)."
        " Kept on the alert as resolutionReason; never shown to partners.",
    )


@strawberry.type(description="The result of a case mutation: the case as it now is, or why it was refused.")
class AmlCasePayload:
    case: AmlCase | None = strawberry.field(description="The case after the change; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Empty on success. Possible codes: VALIDATION, NOT_FOUND, INVALID_STATE (the case is closed, an"
        " alert is already in a case, alerts still OPEN)."
    )


@strawberry.type(description="The result of amlCaseNoteAdd: the note and its case, or why it was refused.")
class AmlCaseNoteAddPayload:
    case: AmlCase | None = strawberry.field(description="The case the note was added to; null when refused.")
    note: AmlCaseNote | None = strawberry.field(description="The new note; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Empty on success. Possible codes: VALIDATION (text), NOT_FOUND (caseId), INVALID_STATE (the case"
        " is closed)."
    )


@strawberry.type(description="The result of amlAlertResolve: the decided alert, or why it was refused.")
class AmlAlertResolvePayload:
    alert: AmlAlert | None = strawberry.field(description="The alert as decided; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Empty on success. Possible codes: VALIDATION (decision, reason), NOT_FOUND (alertId),"
        " INVALID_STATE (already decided, also through another alert of the same transaction); on RELEASE of a held"
        " transaction also WALLET_NOT_ACTIVE, COMPLIANCE_HOLD, KYC_REQUIRED, LIMIT_EXCEEDED (maximum balance)."
    )


def _id(global_id: strawberry.ID | None, type_name: str, field: str) -> uuid.UUID:
    """The row id behind a global ID of the type, or NotFound naming the input field."""
    row_id = global_id_to_uuid(global_id, type_name)
    if row_id is None:
        raise NotFound(f"{type_name} not found", field=[field])
    return row_id


def _staff_id(value: str) -> uuid.UUID | None:
    """A staff user id given as a StaffUser global ID (as the API shows it) or, for older clients, as a raw id."""
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
    @strawberry.field(
        permission_classes=requires("aml:read"),
        description="AML alerts of every partner, newest first, at most 100 a page (first/after forward, last/before backward); the"
        " filters combine. Needs aml:read: bank staff (admin, compliance) only, anyone else gets FORBIDDEN. Errors:"
        " VALIDATION (paging arguments), NOT_FOUND (a malformed partnerId or customerId).",
    )
    async def aml_alerts(
        self, info: Info,
        status: Annotated[AmlAlertStatus | None, strawberry.argument(
            description="Only alerts in this status (OPEN is the work queue)."
        )] = None,
        severity: Annotated[AmlSeverity | None, strawberry.argument(description="Only alerts of this severity.")] = None,
        partner_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only this partner's customers' alerts (a Partner global ID)."
        )] = None,
        customer_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only this customer's alerts (a Customer global ID)."
        )] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
        environment: Annotated[PartnerEnvironment | None, strawberry.argument(
            description="Only alerts of LIVE partners (the compliance queue without test activity) or of SANDBOX"
            " partners; null (the default): both, each flagged by its environment field."
        )] = None,
    ) -> Connection[AmlAlert]:
        page = await alert_queries.list_alerts(
            principal=info.context.principal, first=first, after=after, last=last, before=before,
            environment=environment.value if environment else None,
            status=status.value if status else None, severity=severity.value if severity else None,
            partner_id=_id(partner_id, "Partner", "partnerId") if partner_id is not None else None,
            customer_id=_id(customer_id, "Customer", "customerId") if customer_id is not None else None,
        )
        return Connection.from_page(page, AmlAlert.from_record)

    @strawberry.field(
        permission_classes=requires("aml:read"),
        description="One AML alert by its global ID; an unknown ID is a NOT_FOUND error. Needs aml:read: bank staff"
        " (admin, compliance) only.",
    )
    async def aml_alert(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The AmlAlert's global ID.")],
    ) -> AmlAlert:
        record = await alert_queries.get_alert(principal=info.context.principal, alert_id=global_id_to_uuid(id, "AmlAlert"))
        return AmlAlert.from_record(record)

    @strawberry.field(
        permission_classes=requires("aml:read"),
        description="AML cases, newest first, at most 100 a page (first/after forward, last/before backward). Needs aml:read: bank"
        " staff (admin, compliance) only. Errors: VALIDATION (paging arguments).",
    )
    async def aml_cases(
        self, info: Info,
        status: Annotated[AmlCaseStatus | None, strawberry.argument(description="Only OPEN or only CLOSED cases.")] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[AmlCase]:
        page = await alert_queries.list_cases(
            principal=info.context.principal, first=first, after=after, last=last, before=before,
            status=status.value if status else None,
        )
        return Connection.from_page(page, AmlCase.from_record)

    @strawberry.field(
        permission_classes=requires("aml:read"),
        description="One AML case by its global ID; an unknown ID is a NOT_FOUND error. Needs aml:read: bank staff"
        " (admin, compliance) only.",
    )
    async def aml_case(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The AmlCase's global ID.")],
    ) -> AmlCase:
        record = await alert_queries.get_case(principal=info.context.principal, case_id=global_id_to_uuid(id, "AmlCase"))
        return AmlCase.from_record(record)

    @strawberry.field(
        permission_classes=requires("aml:read"),
        description="The suspicious activity report of a case as one JSON or CSV text: the case, its customer (by id,"
        " kind, country and display name only: no KYC personal data), alerts, their transactions and notes. Objects"
        " are named by global IDs, amounts are decimal strings in the currency's exponent, times ISO 8601 UTC; the same"
        " case gives the same text every time. Needs aml:read: bank staff (admin, compliance) only. Errors: NOT_FOUND"
        " (caseId).",
    )
    async def aml_case_report(
        self, info: Info,
        case_id: Annotated[strawberry.ID, strawberry.argument(description="The AmlCase's global ID.")],
        format: Annotated[AmlReportFormat, strawberry.argument(description="JSON or CSV.")],
    ) -> str:
        case = await alert_queries.get_case(
            principal=info.context.principal, case_id=global_id_to_uuid(case_id, "AmlCase"), field="caseId"
        )
        return await suspicious_activity_report(case_id=case.id, format=format.value, name_id=_global_id)


def _global_id(type_name: str, object_id: Any) -> str | None:
    """The report names every object by its global ID, as the rest of the API does."""
    if object_id is None:
        return None
    return staff_user_gid(str(object_id)) if type_name == "StaffUser" else to_global_id(type_name, object_id)


@strawberry.type
class AmlMutations:
    @strawberry.mutation(
        permission_classes=requires("aml:review"),
        description="Open a case on alerts of one customer that are in no case yet. Needs aml:review: bank staff in"
        " the compliance role only (others get FORBIDDEN). Audited. userErrors: VALIDATION, NOT_FOUND, INVALID_STATE.",
    )
    async def aml_case_open(
        self, info: Info, input: Annotated[AmlCaseOpenInput, strawberry.argument(description="The alerts and a title.")],
    ) -> AmlCasePayload:
        record, errors = await attempt(info, cases.open_case(
            principal=info.context.principal, alert_ids=[global_id_to_uuid(i, "AmlAlert") for i in input.alert_ids],
            title=input.title, audit=audit_note(info),
        ), detail=f"alertIds={','.join(input.alert_ids)}"[:2000])
        return _case_payload(record, errors)

    @strawberry.mutation(
        permission_classes=requires("aml:review"),
        description="Assign an open case to an active compliance officer (replacing any earlier assignee). Needs"
        " aml:review: compliance only. Audited. userErrors: VALIDATION (assigneeId), NOT_FOUND (caseId),"
        " INVALID_STATE (the case is closed).",
    )
    async def aml_case_assign(
        self, info: Info, input: Annotated[AmlCaseAssignInput, strawberry.argument(description="The case and the officer.")],
    ) -> AmlCasePayload:
        record, errors = await attempt(info, cases.assign_case(
            principal=info.context.principal, case_id=global_id_to_uuid(input.case_id, "AmlCase"),
            assignee_staff_id=_staff_id(input.assignee_id), audit=audit_note(info),
        ), detail=f"caseId={input.case_id} assigneeId={input.assignee_id}")
        return _case_payload(record, errors)

    @strawberry.mutation(
        permission_classes=requires("aml:review"),
        description="Append a note to an open case; notes are never edited. Needs aml:review: compliance only."
        " Audited (the note's length, not its text). userErrors: VALIDATION, NOT_FOUND, INVALID_STATE.",
    )
    async def aml_case_note_add(
        self, info: Info, input: Annotated[AmlCaseNoteAddInput, strawberry.argument(description="The case and the note.")],
    ) -> AmlCaseNoteAddPayload:
        note, errors = await attempt(info, cases.add_case_note(
            principal=info.context.principal, case_id=global_id_to_uuid(input.case_id, "AmlCase"), text=input.text,
            audit=audit_note(info),
        ), detail=f"caseId={input.case_id}")
        return AmlCaseNoteAddPayload(
            case=AmlCase.from_record(note.case) if note is not None else None,
            note=AmlCaseNote.from_record(note) if note is not None else None, user_errors=errors,
        )

    @strawberry.mutation(
        permission_classes=requires("aml:review"),
        description="Close an open case whose alerts are all decided; the reason becomes its last note. Closing is"
        " final. Needs aml:review: compliance only. Audited. userErrors: VALIDATION (reason), NOT_FOUND (caseId),"
        " INVALID_STATE (alerts still OPEN, or already closed).",
    )
    async def aml_case_close(
        self, info: Info, input: Annotated[AmlCaseCloseInput, strawberry.argument(description="The case and the reason.")],
    ) -> AmlCasePayload:
        record, errors = await attempt(info, cases.close_case(
            principal=info.context.principal, case_id=global_id_to_uuid(input.case_id, "AmlCase"),
            reason=input.reason, audit=audit_note(info),
        ), detail=f"caseId={input.case_id}")
        return _case_payload(record, errors)

    @strawberry.mutation(
        permission_classes=requires("aml:review"),
        description="Decide an OPEN alert. RELEASE posts a held transaction (or clears a screening hold), REJECT drops"
        " it without moving money (or blocks the customer), DISMISS closes an alert-only one. Every other OPEN alert"
        " of the same transaction is closed with the same decision. Needs aml:review: compliance only (others get"
        " FORBIDDEN). Audited. userErrors: see AmlAlertResolvePayload.userErrors.",
    )
    async def aml_alert_resolve(
        self, info: Info,
        input: Annotated[AmlAlertResolveInput, strawberry.argument(description="The alert, the decision and its reason.")],
    ) -> AmlAlertResolvePayload:
        async def resolve() -> AlertRecord:
            return await resolve_alert(
                principal=info.context.principal, alert_id=_id(input.alert_id, "AmlAlert", "alertId"),
                decision=input.decision.value, reason=input.reason,
            )

        record, errors = await attempt(info, resolve(), detail=f"alertId={input.alert_id} decision={input.decision.value}")
        return AmlAlertResolvePayload(alert=AmlAlert.from_record(record) if record is not None else None, user_errors=errors)
