"""Audits every root mutation field that no resolver audited itself (refused by a
permission rule, or failed), so that every mutation attempt leaves a record, and
every root field a bank staff member reads (who looked at which partner data)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import FieldNode, OperationDefinitionNode, OperationType
from strawberry.extensions import SchemaExtension

from schema.common.audit_actor import actor_of
from services.audit import record_event
from services.db.availability import is_unavailable

log = logging.getLogger("qianbao.audit")


def _audited_fields(document: object, operation_name: str | None, *, staff: bool) -> list[tuple[str, str]]:
    """(response key, field name) of each root field to audit: every mutation, and staff reads."""
    definitions = [d for d in getattr(document, "definitions", []) if isinstance(d, OperationDefinitionNode)]
    chosen = [d for d in definitions if operation_name is None or (d.name and d.name.value == operation_name)]
    if len(chosen) != 1:
        return []
    if chosen[0].operation != OperationType.MUTATION and not (staff and chosen[0].operation == OperationType.QUERY):
        return []
    return [
        ((s.alias or s.name).value, s.name.value)
        for s in chosen[0].selection_set.selections
        if isinstance(s, FieldNode)
    ]


class AuditTrail(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context.context
        principal = getattr(context, "principal", None)
        result = self.execution_context.result
        if principal is None or result is None:
            return
        executed = getattr(result, "data", None) is not None or any(e.path for e in result.errors or [])
        if not executed:
            return  # a syntax or validation error: nothing was attempted
        audited = getattr(context, "audited", set())
        fields = _audited_fields(
            self.execution_context.graphql_document, self.execution_context.operation_name, staff=principal.is_staff
        )
        for key, name in fields:
            if key in audited:
                continue
            codes = [
                (e.extensions or {}).get("code", "ERROR")
                for e in result.errors or []
                if e.path and e.path[0] == key
            ]
            try:
                await record_event(
                    actor=actor_of(principal), operation=name, outcome=codes[0] if codes else "OK",
                    request_id=getattr(context, "request_id", None),
                )
            except Exception as exc:  # noqa: BLE001 - a failed audit write must be visible in logs
                request_id = getattr(context, "request_id", None)
                if is_unavailable(exc):
                    # The request itself was answered UNAVAILABLE (or committed before the outage): the missing
                    # row is said in one line, as every outage is; a bug keeps its traceback.
                    log.error("could not audit %s (request %s): database unavailable (%s)", name, request_id,
                              type(exc).__name__)
                else:
                    log.exception("could not audit %s (request %s)", name, request_id)
