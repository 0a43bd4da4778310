"""Reading a request body no further than a limit: 413 for anything longer, whatever Content-Length claims."""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body is longer than the route takes (answered 413 by the route)."""


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read chunk by chunk and abandoned as soon as it passes `limit` bytes (a declared length over the
    limit is refused before reading anything)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)
