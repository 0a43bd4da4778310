"""schema.extensions.PublicErrorsOnly: which results it rewrites (its own check, not strawberry's Protocol check)."""

from __future__ import annotations

from types import SimpleNamespace

from graphql import ExecutionResult, GraphQLError

from schema.extensions import PublicErrorsOnly
from services.errors import NotFound


def _masker() -> PublicErrorsOnly:
    masker = PublicErrorsOnly()
    masker.execution_context = SimpleNamespace(context=SimpleNamespace(request_id="req-1"))  # type: ignore[assignment]
    return masker


def test_a_refusal_keeps_its_code_and_an_unexpected_error_is_masked_with_the_request_id():
    refusal = GraphQLError("x", original_error=NotFound("no such wallet", field=["walletId"]))
    crash = GraphQLError("boom: secret detail", original_error=RuntimeError("secret detail"))
    result = ExecutionResult(data=None, errors=[refusal, crash])
    _masker()._process_result(result)
    assert [(e.message, e.extensions) for e in result.errors] == [
        ("no such wallet", {"code": "NOT_FOUND", "field": ["walletId"]}),
        ("Internal error. Quote request id req-1 to the bank's support.", {"code": "INTERNAL", "requestId": "req-1"}),
    ]


def test_a_result_without_errors_or_without_an_errors_attribute_is_left_as_it_is():
    clean = ExecutionResult(data={"viewer": None}, errors=None)
    _masker()._process_result(clean)
    assert clean.errors is None and clean.data == {"viewer": None}
    empty = ExecutionResult(data={"viewer": None}, errors=[])
    _masker()._process_result(empty)
    assert empty.errors == []
    other = SimpleNamespace(data=1)
    _masker()._process_result(other)
    assert vars(other) == {"data": 1}
