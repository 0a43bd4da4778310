"""Schema extensions: public errors with stable codes, everything else masked."""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from schema.common.public_error import PublicError
from services.errors import DomainError

log = logging.getLogger("qianbao.graphql")
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def _is_request_error(error: GraphQLError) -> bool:
    """graphql-core's refusal of the request's own variables or literals (a wrong enum
    value, a JSON number for a Decimal): the caller's mistake, safe to show as is."""
    original = error.original_error
    if isinstance(original, GraphQLError):
        return True  # variable coercion wraps graphql-core's own error
    # A literal a scalar refused during validation: located in the document, no field path.
    return error.path is None and bool(error.nodes) and isinstance(original, ValueError)


class PublicErrorsOnly(MaskErrors):
    """Domain refusals and public errors keep their code; any other error becomes
    "Internal error" plus the request id, and is logged (never a traceback to clients)."""

    def __init__(self, *, hide_suggestions: bool = False) -> None:
        super().__init__(error_message="Internal error.")
        self.hide_suggestions = hide_suggestions

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        processed: list[GraphQLError] = []
        for error in errors:
            original = error.original_error
            if isinstance(original, DomainError):
                extensions = {"code": original.code}
                if original.field:
                    extensions["field"] = original.field  # type: ignore[assignment]
                processed.append(self._rebuild(error, original.message, extensions))
            elif (
                original is None or isinstance(original, PublicError) or isinstance(error, PublicError)
                or _is_request_error(error)
            ):
                code = getattr(original, "code", None) or (error.extensions or {}).get("code") or "BAD_REQUEST"
                processed.append(self._rebuild(error, error.message, {**(error.extensions or {}), "code": code}))
            else:
                log.error("unhandled error in %s (request %s)", error.path, request_id, exc_info=original)
                processed.append(
                    self._rebuild(
                        error,
                        f"Internal error. Quote request id {request_id} to the bank's support.",
                        {"code": "INTERNAL", "requestId": request_id},
                    )
                )
        return processed

    def _rebuild(self, error: GraphQLError, message: str, extensions: dict) -> GraphQLError:
        if self.hide_suggestions:
            # Production: "Did you mean ...?" would map the schema for a prober.
            message = _SUGGESTION.sub("", message)
        return GraphQLError(
            message, nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
            extensions=extensions,
        )
