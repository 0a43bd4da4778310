"""The audit trail for bank staff."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.permissions import requires
from schema.common.relay import AfterArg, BeforeArg, Connection, FirstArg, LastArg, Node, global_id_to_uuid, parse_global_id, to_global_id
from services.audit_queries import AuditEventRecord, list_audit_events
from services.audit_status import audit_chain_status
from services.errors import NotFound


@strawberry.type(
    description="One audited action: every mutation attempt (refused ones too), every root field bank staff read,"
    " staff logins and CLI actions. Append-only; chainSeq and hash place it in the tamper-evident hash chain. Every"
    " id in it is a global ID where the object has one. Readable by bank staff with audit:read (admin, compliance)."
)
class AuditEvent(Node):
    id: strawberry.ID = strawberry.field(description="The event's opaque global ID (node(id:) finds it).")
    occurred_at: datetime = strawberry.field(description="When the action happened (UTC).")
    actor_kind: str = strawberry.field(
        description="Who acted: partner (a partner's own token), customer (a delegated customer token), staff, cli"
        " (the qianbao command line), or anonymous (e.g. a failed staff login)."
    )
    actor_id: str = strawberry.field(
        description="The actor as the API names it: a StaffUser global ID for staff, the OAuth client_id for a"
        " partner, client_id/Customer global ID for a customer token, the command for the CLI, the e-mail given for"
        " an anonymous login attempt. Pass it as auditEvents(actorId:)."
    )
    partner_id: str | None = strawberry.field(
        description="The partner (a Partner global ID) the action belongs to: the acting partner, or the partner whose"
        " object a staff member touched; null when none."
    )
    operation: str = strawberry.field(
        description="What was done: the GraphQL root field (e.g. transferCreate, kycReveal, auditEvents), or another"
        " action (staffLogin, graphql for a request cancelled at its deadline, CLI commands such as keysRotate)."
    )
    object_type: str | None = strawberry.field(
        description="The GraphQL type of the object acted on (e.g. Transaction, KycSubmission); null when none."
    )
    object_id: str | None = strawberry.field(
        description="The object acted on, as a global ID of objectType; null when none."
    )
    request_id: str | None = strawberry.field(
        description="The request's id (the X-Request-Id response header): correlates with logs; null outside HTTP."
    )
    outcome: str = strawberry.field(
        description="OK, or why not: a userErrors code (ErrorCode), a GraphQL error code (FORBIDDEN, NOT_FOUND,"
        " BAD_REQUEST, INTERNAL...), TIMEOUT, or another short code of a non-GraphQL action. At most 48 characters."
    )
    detail: str | None = strawberry.field(
        description="What else the action recorded, as key=value text of at most 2000 characters (e.g. the decision"
        " and reason of kycReview, the field and reason of kycReveal, never the revealed value). Null when"
        " none."
    )
    chain_seq: str | None = strawberry.field(
        description="Position in the chain, a decimal integer as a string (it may exceed 2^53); null until chained,"
        " within seconds."
    )
    hash: str | None = strawberry.field(
        description="SHA-256 (64 hexadecimal characters) over the previous event's hash and this event's content;"
        " editing, deleting or reordering any event breaks the chain from there (qianbao audit verify). Null until"
        " chained."
    )

    @classmethod
    def from_record(cls, row: AuditEventRecord) -> AuditEvent:
        """The GraphQL view of an audited action: every id in it is a global ID."""
        return cls(
            id=to_global_id("AuditEvent", row.id), occurred_at=row.occurred_at, actor_kind=row.actor_kind,
            actor_id=_actor_id(row.actor_kind, row.actor_id),
            partner_id=to_global_id("Partner", row.partner_id) if row.partner_id else None,
            operation=row.operation, object_type=row.object_type,
            object_id=to_global_id(row.object_type, row.object_id) if row.object_type and row.object_id else row.object_id,
            request_id=row.request_id, outcome=row.outcome, detail=row.detail,
            chain_seq=str(row.chain_seq) if row.chain_seq is not None else None, hash=row.hash,
        )


def _actor_id(kind: str, stored: str) -> str:
    """The actor as clients know it: a staff user's global ID, a client id, or client id / customer global ID."""
    if kind == "staff" and _is_uuid(stored):
        return to_global_id("StaffUser", stored)
    client_id, sep, customer = stored.partition("/")
    if kind == "customer" and sep and _is_uuid(customer):
        return f"{client_id}/{to_global_id('Customer', customer)}"
    return stored


def _stored_actor_id(given: str) -> str:
    """The stored form of an actorId filter given as the API shows it."""
    client_id, sep, customer = given.partition("/")
    parsed = parse_global_id(customer if sep else given)
    if parsed is None:
        return given
    type_name, object_id = parsed
    return f"{client_id}/{object_id}" if sep and type_name == "Customer" else str(object_id) if type_name == "StaffUser" else given


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@strawberry.type(description="Whether the audit log's hash chain holds, recomputed from its genesis on request.")
class AuditChainStatus:
    ok: bool = strawberry.field(description="True when every chained event matches its hash and the stored head.")
    checked_events: int = strawberry.field(description="How many chained events were recomputed.")
    pending_events: int = strawberry.field(description="Events not chained yet (they are within seconds).")
    first_broken: str | None = strawberry.field(
        description="What breaks the chain first (the row and why), as `qianbao audit verify` names it; null when ok.")
    head_position: str = strawberry.field(description="The head's chain position, a decimal integer as a string.")
    head_hash: str = strawberry.field(
        description="The head's SHA-256: record it outside the database to prove later that no history was rewritten.")
    verified_at: datetime = strawberry.field(description="When this verification ran (UTC).")


@strawberry.type
class AuditQueries:
    @strawberry.field(
        permission_classes=requires("audit:read"),
        description="Chain pending audit events, then recompute the whole hash chain (as `qianbao audit verify`)"
        " and say whether it holds. Needs audit:read (admin, compliance). It reads every event: one runs at a time.",
    )
    async def audit_chain_status(self, info: Info) -> AuditChainStatus:
        status = await audit_chain_status(principal=info.context.principal)
        report = status.report
        return AuditChainStatus(ok=report.ok, checked_events=report.checked, pending_events=report.pending,
                                first_broken=report.first_broken, head_position=str(report.head_seq),
                                head_hash=report.head_hash, verified_at=status.verified_at)

    @strawberry.field(
        permission_classes=requires("audit:read"),
        description="The audit log, newest first, at most 100 a page (first/after or last/before); the filters"
        " combine. Needs audit:read: bank staff (admin, compliance) only, anyone else gets FORBIDDEN. Errors:"
        " VALIDATION (page size, cursor, first with last), NOT_FOUND (a partnerId that is not a Partner ID).",
    )
    async def audit_events(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
        actor_id: Annotated[str | None, strawberry.argument(
            description="Only this actor, written as AuditEvent.actorId shows it (a StaffUser global ID, a client_id, or"
            " client_id/Customer global ID); matched exactly."
        )] = None,
        partner_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only events filed under this partner (a Partner global ID), including staff actions on its objects."
        )] = None,
        object_id: Annotated[str | None, strawberry.argument(
            description="Only events about this object: its global ID (or the raw id); matched exactly."
        )] = None,
        operation: Annotated[str | None, strawberry.argument(
            description="Only this operation, e.g. kycReveal or transferCreate (case-sensitive, matched exactly)."
        )] = None,
        occurred_from: Annotated[datetime | None, strawberry.argument(
            description="Only events at or after this time (inclusive)."
        )] = None,
        occurred_to: Annotated[datetime | None, strawberry.argument(
            description="Only events before this time (exclusive)."
        )] = None,
    ) -> Connection[AuditEvent]:
        partner_uuid = None
        if partner_id is not None:
            partner_uuid = global_id_to_uuid(partner_id, "Partner")
            if partner_uuid is None:
                raise NotFound("partner not found", field=["partnerId"])
        parsed = parse_global_id(object_id) if object_id else None
        if parsed is not None:
            object_id = str(parsed[1])  # accept a global ID as well as a raw id
        page = await list_audit_events(
            principal=info.context.principal, first=first, after=after, last=last, before=before, actor_id=_stored_actor_id(actor_id) if actor_id else None, partner_id=partner_uuid, object_id=object_id,
            operation=operation, occurred_from=occurred_from, occurred_to=occurred_to,
        )
        return Connection.from_page(page, AuditEvent.from_record)
