"""The per-request context resolvers see: who calls, and this request's DataLoaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.types import Info as StrawberryInfo

from auth.principal import Principal
from auth.tokens import TokenAuthority

if TYPE_CHECKING:
    from schema.loaders import Loaders


@dataclass
class RequestContext:
    principal: Principal
    loaders: Loaders
    request_id: str
    tokens: TokenAuthority | None = None
    request: Any = None
    response: Any = None
    # Response keys of mutation fields whose resolver wrote its own audit row.
    audited: set[str] = field(default_factory=set)
    # Codes of this request's refusals and errors (GraphQL errors and userErrors), in order:
    # the access log line names them. The HTTP layer shares the list with its middleware.
    outcome_codes: list[str] = field(default_factory=list)
    # Take n more rate-limit tokens from the caller's bucket: 0 when allowed, else seconds to wait. A batch
    # (transfersCreate) pays one token per item, not one per request. None: no limiter (tests' contexts).
    charge: Callable[[int], Awaitable[float]] | None = None


Info = StrawberryInfo[RequestContext, None]
