"""GET /console and /console/{file}: the bank staff's web console, static files served from the package.

The console is a client of the public /graphql API only (same tokens, same
permissions): this module serves files and nothing else. Only files under
api/static/console with a listed extension are served, resolved inside that
folder (no traversal), each with a strict Content-Security-Policy: every script,
style and font comes from this origin, no inline code, no framing.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from pathlib import PurePosixPath

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CONSOLE_PATH = "/console"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
       " font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml", ".md": "text/plain; charset=utf-8", ".txt": "text/plain; charset=utf-8",
}
_HEADERS = {
    "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY", "Cross-Origin-Opener-Policy": "same-origin",
    # Revalidate every time (a console update must reach every desk at the next page load); the ETag makes an
    # unchanged file a 304 without its body.
    "Cache-Control": "no-cache",
}


@functools.cache
def _read(relative: str) -> tuple[bytes, str] | None:
    """A console file's bytes and ETag (once per process), or None when there is no such file."""
    node = resources.files("api") / "static" / "console"
    for part in PurePosixPath(relative).parts:
        node = node / part
    if not node.is_file():
        return None
    body = node.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether the browser's If-None-Match names this version (a list, weak validators and * included)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


def _not_found() -> Response:
    return Response("not found", status_code=404, media_type="text/plain", headers={"X-Content-Type-Options": "nosniff"})


async def console_file(request: Request) -> Response:
    """One console file; the folder itself (/console, /console/) is its index.html."""
    relative = request.path_params.get("path", "") or "index.html"
    path = PurePosixPath(relative)
    # Only plain names: no "..", no absolute path, no hidden file, no backslash, a listed extension.
    if (path.is_absolute() or "\\" in relative or any(part in ("", ".", "..") or part.startswith(".") for part in path.parts)
            or path.suffix not in TYPES):
        return _not_found()
    found = _read(str(path))
    if found is None:
        return _not_found()
    body, etag = found
    headers = {**_HEADERS, "ETag": etag}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=TYPES[path.suffix], headers=headers)


ROUTES = [
    Route(CONSOLE_PATH, console_file, methods=["GET"]),
    Route(CONSOLE_PATH + "/{path:path}", console_file, methods=["GET"]),
]
