"""A JSON POST runs on the body the endpoint already parsed, not through strawberry's HTTP view a second time.

strawberry's view (`AsyncBaseHTTPView.run`) reads and parses the body again, parses the content type, builds request
adapters and dispatches on batching and streaming before it calls `schema.execute`. For the request partners send
most (POST, `application/json`, one operation, no streaming `Accept`) the endpoint has read, parsed and checked the
body already (api/graphql_endpoint.py `_check_body`): this runs the same steps the view runs for it, in the same
order and with the same answers (context, execute with POST's operation types, our `process_result`, strawberry's
`create_response`), without the repeated work. Anything else (GET, other content types, a streaming `Accept`, a
non-object `extensions`) still goes through strawberry's view. Measured in bench/README.md ("2026-12-07 19:00 UTC:
what the fixed stack costs, and a JSON POST parsed once").
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

_POST_OPERATIONS = OperationType.from_http("POST")


def runs_directly(view: Any, request: Request, payload: dict[str, Any]) -> bool:
    """Whether strawberry's view would run this POST as one plain (non-streamed) operation on a JSON body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    extensions = payload.get("extensions")
    return (content_type == "application/json" and isinstance(extensions, (dict, type(None)))
            and view._get_stream_transport_from_headers(request.headers) is None)


async def run_posted(view: Any, request: Request, payload: dict[str, Any]) -> Response:
    """What strawberry's `run()` answers for this request (see `runs_directly`), from the parsed body."""
    sub_response = await view.get_sub_response(request)
    context = await view.get_context(request, response=sub_response)
    try:
        result = await view.schema.execute(
            payload["query"], root_value=await view.get_root_value(request), variable_values=payload.get("variables"),
            context_value=context, operation_name=payload.get("operationName"),
            allowed_operation_types=_POST_OPERATIONS, operation_extensions=payload.get("extensions"),
        )
    except CannotGetOperationTypeError as exc:
        return PlainTextResponse(exc.as_http_error_reason(), status_code=400)
    except InvalidOperationTypeError as exc:
        return PlainTextResponse(exc.as_http_error_reason("POST"), status_code=400)
    except MissingQueryError:
        return PlainTextResponse("No GraphQL query found in the request", status_code=400)
    except HTTPException as exc:
        return PlainTextResponse(exc.reason, status_code=exc.status_code)
    # The schema runs no incremental delivery (@defer/@stream are not enabled), and a subscription is only
    # streamed for a streaming Accept, which runs_directly sends to strawberry's view.
    assert isinstance(result, ExecutionResult), type(result)
    response_data = await view.process_result(request=request, result=result)
    if result.errors:
        view._handle_errors(result.errors, response_data)
    return view.create_response(response_data=response_data, sub_response=sub_response)
