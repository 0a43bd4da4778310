"""Audits every root mutation field that no resolver audited itself (refused by a
permission rule, or failed), so that every mutation attempt leaves a record."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import FieldNode, OperationDefinitionNode, OperationType
from strawberry.extensions import SchemaExtension

from schema.common.audit_actor import actor_of
from services.audit import record_event

log = logging.getLogger("qianbao.audit")


def _mutation_fields(document: object, operation_name: str | None) -> list[tuple[str, str]]:
    """(response key, field name) of each root field of the selected mutation."""
    definitions = [d for d in getattr(document, "definitions", []) if isinstance(d, OperationDefinitionNode)]
    chosen = [d for d in definitions if operation_name is None or (d.name and d.name.value == operation_name)]
    if len(chosen) != 1 or chosen[0].operation != OperationType.MUTATION:
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
        if principal is None or result is None or getattr(result, "data", None) is None:
            return  # never executed (a syntax or validation error): nothing was attempted
        audited = getattr(context, "audited", set())
        for key, name in _mutation_fields(self.execution_context.graphql_document, self.execution_context.operation_name):
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
            except Exception:  # noqa: BLE001 - a failed audit write must be visible in logs
                log.exception("could not audit %s (request %s)", name, getattr(context, "request_id", None))
