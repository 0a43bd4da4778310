"""GET /graphiql-assets/{name}: GraphiQL's browser files, served from the package itself.

The files are vendored in api/static/graphiql/ (versions and licences in the README
there), so the IDE works on a machine with no internet. Only the names listed in
ASSETS are served: there is no path handling at all, so no traversal either.
Each URL the page uses carries a hash of the file (`?v=`), which is what lets the
responses be cached for a year.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
from dataclasses import dataclass
from importlib import resources

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ASSET_PATH = "/graphiql-assets"
_JS = "text/javascript; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"
ASSETS: dict[str, str] = {
    "react.production.min.js": _JS,
    "react-dom.production.min.js": _JS,
    "graphiql.min.js": _JS,
    "graphiql.min.css": "text/css; charset=utf-8",
    "LICENSE-react.txt": _TEXT,
    "LICENSE-react-dom.txt": _TEXT,
    "LICENSE-graphiql.txt": _TEXT,
    "THIRD-PARTY-NOTICES.txt": _TEXT,
}
_CACHE_FOREVER = "public, max-age=31536000, immutable"
_GZIP_MIN_BYTES = 1024


@dataclass(frozen=True)
class Asset:
    name: str
    content_type: str
    body: bytes
    gzipped: bytes | None
    etag: str  # quoted, as sent in the ETag header
    version: str  # short content hash for the ?v= of the page's URLs
    integrity: str  # subresource integrity (sha384) for <script>/<link>


@functools.cache
def load_asset(name: str) -> Asset:
    """Read one listed asset from the package (once per process) with its hashes."""
    content_type = ASSETS[name]
    body = (resources.files("api") / "static" / "graphiql" / name).read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= _GZIP_MIN_BYTES else None
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    return Asset(name, content_type, body, gzipped, f'"{digest[:32]}"', digest[:12], integrity)


def asset_url(name: str) -> str:
    """The page's URL for an asset: relative (so a path prefix in front of the app keeps working)
    and versioned by content."""
    return f"{ASSET_PATH.lstrip('/')}/{name}?v={load_asset(name).version}"


async def graphiql_asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        return JSONResponse({"error": "not_found"}, status_code=404)
    # The first read hashes and compresses a few megabytes: keep it off the event loop.
    asset = await anyio.to_thread.run_sync(load_asset, name)
    headers = {
        "Cache-Control": _CACHE_FOREVER,
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", "").lower():
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=asset.content_type, headers=headers)


def asset_route() -> Route:
    """The route; GET only (Starlette answers HEAD with it)."""
    return Route(ASSET_PATH + "/{name}", graphiql_asset, methods=["GET"])
