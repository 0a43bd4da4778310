"""The per-request context resolvers see: who calls, and this request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from strawberry.types import Info as StrawberryInfo

from auth.principal import Principal

if TYPE_CHECKING:
    from schema.loaders import Loaders


@dataclass
class RequestContext:
    principal: Principal
    loaders: Loaders
    request_id: str
    request: Any = None
    response: Any = None


Info = StrawberryInfo[RequestContext, None]
