"""GraphQL errors meant for the caller; every other error is masked."""

from __future__ import annotations

from graphql import GraphQLError


class PublicError(GraphQLError):
    """An error whose message and code are safe to show (never masked)."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, *args: object, **kwargs: object) -> None:
        super().__init__(message, *args, **kwargs)  # type: ignore[arg-type]
        self.extensions = {**(self.extensions or {}), "code": self.code}


class Forbidden(PublicError):
    code = "FORBIDDEN"


class NotFoundError(PublicError):
    code = "NOT_FOUND"


class BadRequest(PublicError):
    code = "BAD_REQUEST"
