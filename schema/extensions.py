"""Schema extensions: public errors with stable codes, everything else masked; and the
one place GraphQL errors are logged (a refusal is a code, never a traceback)."""

from __future__ import annotations

import logging
import re
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from schema.common.public_error import PublicError
from services.db.availability import is_unavailable
from services.errors import DomainError

log = logging.getLogger("qianbao.graphql")
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")
INTERNAL = "INTERNAL"
UNAVAILABLE = "UNAVAILABLE"
UNAVAILABLE_MESSAGE = ("The database is unavailable for the moment; nothing was changed that was not committed."
                       " Retry (with the same idempotency key for a money operation: it is safe).")


def _is_request_error(error: GraphQLError) -> bool:
    """graphql-core's refusal of the request's own variables or literals (a wrong enum
    value, a JSON number for a Decimal): the caller's mistake, safe to show as is."""
    original = error.original_error
    if isinstance(original, GraphQLError):
        return True  # variable coercion wraps graphql-core's own error
    # A literal a scalar refused during validation: located in the document, no field path.
    return error.path is None and bool(error.nodes) and isinstance(original, ValueError)


def public_code(error: GraphQLError) -> str | None:
    """The code the caller sees for a refusal (its own mistake or a business rule), or None
    for an unexpected error, which is masked as INTERNAL."""
    original = error.original_error
    if isinstance(original, DomainError):
        return original.code
    if original is None or isinstance(original, PublicError) or isinstance(error, PublicError) or _is_request_error(error):
        return getattr(original, "code", None) or (error.extensions or {}).get("code") or "BAD_REQUEST"
    return None


def _request_id(execution_context: Any) -> str | None:
    return getattr(getattr(execution_context, "context", None), "request_id", None)


class LoggedSchema(strawberry.Schema):
    """strawberry's Schema, logging errors our way instead of strawberry's (which logs every
    error, a missing scope or a typo in a query included, at ERROR with its traceback).

    Every error passes here once, before masking: a refusal adds its code to the request's
    outcome codes (the access log line names them; no line of its own, no traceback); an
    unexpected error is logged once at ERROR with its traceback and the request id."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        context = getattr(execution_context, "context", None)
        codes = getattr(context, "outcome_codes", None)
        for error in errors:
            code = public_code(error)
            if code is None and is_unavailable(error.original_error):
                # An outage, not a bug: one line (no traceback), answered 503 UNAVAILABLE (api.graphql_endpoint).
                code = UNAVAILABLE
                log.warning("database unavailable in %s (request %s): %s", error.path, _request_id(execution_context),
                            type(error.original_error).__name__)
            elif code is None:
                code = INTERNAL
                log.error(
                    "unhandled error in %s (request %s)", error.path, _request_id(execution_context),
                    exc_info=error.original_error or error,
                )
            if codes is not None:
                codes.append(code)


class PublicErrorsOnly(MaskErrors):
    """Domain refusals and public errors keep their code; any other error becomes
    "Internal error" plus the request id (LoggedSchema logged it; never a traceback to clients)."""

    def __init__(self, *, hide_suggestions: bool = False) -> None:
        super().__init__(error_message="Internal error.")
        self.hide_suggestions = hide_suggestions

    def _process_result(self, result: object) -> None:
        """strawberry's check, `isinstance(result, _ResultWithErrors)`, is against a runtime-checkable Protocol:
        on Python 3.11 that cost about 9 µs on every request, errors or not. Having `errors` is all it asks."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        request_id = _request_id(self.execution_context)
        processed: list[GraphQLError] = []
        for error in errors:
            original = error.original_error
            code = public_code(error)
            if isinstance(original, DomainError):
                extensions = {"code": original.code}
                if original.field:
                    extensions["field"] = original.field  # type: ignore[assignment]
                processed.append(self._rebuild(error, original.message, extensions))
            elif code is not None:
                processed.append(self._rebuild(error, error.message, {**(error.extensions or {}), "code": code}))
            elif is_unavailable(original):
                processed.append(self._rebuild(error, UNAVAILABLE_MESSAGE, {"code": UNAVAILABLE, "requestId": request_id}))
            else:
                processed.append(
                    self._rebuild(
                        error,
                        f"Internal error. Quote request id {request_id} to the bank's support.",
                        {"code": INTERNAL, "requestId": request_id},
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
