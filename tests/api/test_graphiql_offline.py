"""GraphiQL works on a laptop with no internet: the page and every file it loads come from
this app, it gets a token without localStorage, and its curl example runs as printed."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest

import api
from api.graphiql_assets import ASSETS
from api.graphiql_example import EXAMPLE_QUERY
from api.graphiql_page import curl_example
from tests.api.app_instances import app_instance

HTML = {"Accept": "text/html,application/xhtml+xml"}
PAGE_URL = "http://testserver/graphql"
ASSET_DIR = Path(api.__file__).parent / "static" / "graphiql"
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


class PageParts(HTMLParser):
    """Every URL-bearing attribute, inline script and inline style of a page, and its forms."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.inline_scripts: list[str] = []  # executable ones; JSON data blocks are in text_by_id
        self.styles: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self.text_by_id: dict[str, str] = {}
        self._open: tuple[str, dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name in ("src", "href", "action", "formaction", "poster", "data", "srcset") and value is not None:
                self.urls.append((tag, name, value))
            if name == "style" and value:
                self.styles.append(value)
        if tag == "form":
            self.forms.append({"attrs": attributes, "inputs": []})
        if tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(attributes)
        if tag in ("script", "style", "pre"):
            self._open = (tag, attributes)

    def handle_data(self, data: str) -> None:
        if self._open is None:
            return
        tag, attributes = self._open
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.inline_scripts.append(data)
        elif tag == "style":
            self.styles.append(data)
        if attributes.get("id"):
            self.text_by_id[attributes["id"] or ""] = self.text_by_id.get(attributes["id"] or "", "") + data

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and self._open[0] == tag:
            self._open = None


async def page_parts(http: Any, **headers: str) -> tuple[Any, PageParts]:
    response = await http.get("/graphql", headers={**HTML, **headers})
    assert response.status_code == 200, response.text[:300]
    parts = PageParts()
    parts.feed(response.text)
    return response, parts


def css_urls(css: str) -> list[str]:
    found = [match.strip().strip("'\"") for match in re.findall(r"url\(([^)]*)\)", css)]
    return found + re.findall(r"@import\s+['\"]([^'\"]+)", css)


def assert_local(value: str) -> None:
    parts = urlsplit(value)
    assert not parts.scheme and not parts.netloc and not value.startswith("//"), f"{value!r} would leave the host"


async def test_page_is_served_without_a_token(http):
    response, parts = await page_parts(http)
    assert response.headers["content-type"].startswith("text/html")
    assert "authorization" not in {key.lower() for key in response.request.headers}
    assert parts.inline_scripts, "the page has no script of its own"
    assert response.headers["cache-control"] == "no-store"


async def test_every_src_and_href_is_a_local_file_the_app_serves(http):
    response, parts = await page_parts(http)
    loaded = [(tag, attr, value) for tag, attr, value in parts.urls if attr != "action"]
    assert {value.split("?")[0] for _, _, value in loaded} >= {
        "graphiql-assets/react.production.min.js", "graphiql-assets/react-dom.production.min.js",
        "graphiql-assets/graphiql.min.js", "graphiql-assets/graphiql.min.css",
    }
    inline_css_urls = [url for style in parts.styles for url in css_urls(style)]
    for value in [value for _, _, value in parts.urls] + inline_css_urls:
        assert_local(value)
    for tag, attr, value in loaded:
        asset = await http.get(urljoin(PAGE_URL, value))
        assert asset.status_code == 200, (tag, attr, value, asset.status_code)
        expected = "text/css" if value.split("?")[0].endswith(".css") else "text/javascript"
        assert asset.headers["content-type"].startswith(expected), (value, asset.headers["content-type"])
        if expected == "text/css":  # the stylesheet's own url()s: fonts are inlined, nothing is imported
            for url in css_urls(asset.text):
                assert url.startswith("data:"), f"{value} loads {url[:80]!r}"
    for url in inline_css_urls:
        assert (await http.get(urljoin(PAGE_URL, url))).status_code == 200, url


async def test_the_browser_is_told_to_load_nothing_from_elsewhere(http):
    response, parts = await page_parts(http)
    policy = dict(
        (directive.split()[0], directive.split()[1:]) for directive in response.headers["content-security-policy"].split(";")
        if directive.strip()
    )
    assert policy["default-src"] == ["'none'"]
    for sources in policy.values():
        for source in sources:
            assert source in ("'self'", "'none'", "'unsafe-inline'", "data:") or source.startswith("'nonce-"), source
    nonce = policy["script-src"][1].removeprefix("'nonce-").removesuffix("'")
    assert f'<script nonce="{nonce}">' in response.text
    for script in parts.inline_scripts + [parts.text_by_id["qb-config"]]:
        assert not re.search(r"https?://|wss?://", script), "the page's own script names an outside address"


async def test_no_local_storage_in_the_page(http):
    response, parts = await page_parts(http)
    assert "localStorage" not in response.text
    script = "\n".join(parts.inline_scripts)
    assert "sessionStorage" in script and "storage: graphiqlStorage" in script
    assert 'Authorization = "Bearer "' in script


async def test_token_form_posts_client_credentials_to_oauth_token(http, clients):
    _, parts = await page_parts(http)
    (form,) = [form for form in parts.forms if form["attrs"].get("id") == "qb-credentials-form"]
    assert form["attrs"]["method"].lower() == "post"
    assert urlsplit(urljoin(PAGE_URL, form["attrs"]["action"])).path == "/oauth/token"
    fields = {field["name"]: field.get("value") or "" for field in form["inputs"]}
    assert fields == {"grant_type": "client_credentials", "client_id": "", "client_secret": ""}
    assert [field["type"] for field in form["inputs"] if field["name"] == "client_secret"] == ["password"]

    # What the page's script sends: the form's fields, urlencoded, to the form's action.
    partner = await clients.partner()
    fields.update(client_id=partner.client_id, client_secret=partner.client_secret)
    answer = await http.post(urljoin(PAGE_URL, form["attrs"]["action"]), data=fields)
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    viewer = await http.post("/graphql", json={"query": "{ viewer { clientId } }"},
                             headers={"Authorization": f"Bearer {token}"})
    assert viewer.json()["data"]["viewer"]["clientId"] == partner.client_id


async def test_the_page_opens_on_an_example_that_runs(http, clients):
    response, parts = await page_parts(http)
    assert '"exampleQuery": ' in parts.text_by_id["qb-config"]
    assert "query FirstLook {" in response.text
    partner = await clients.partner()
    data = await partner.ok(EXAMPLE_QUERY)
    assert data["viewer"]["kind"] == "partner"


def curl_text(parts: PageParts) -> str:
    return html.unescape(parts.text_by_id["qb-curl-text"])


def assert_no_dangling_backslash(text: str) -> None:
    lines = text.split("\n")
    for number, line in enumerate(lines):
        assert not re.search(r"\\\s+$", line), f"line {number + 1} has a space after its backslash: {line!r}"
        if line.endswith("\\"):
            assert number + 1 < len(lines) and lines[number + 1].strip(), f"line {number + 1} continues into nothing"
    assert not text.rstrip("\n").endswith("\\")


async def test_curl_example_uses_the_requested_host_and_ends_cleanly(http):
    _, parts = await page_parts(http)
    text = curl_text(parts)
    assert "'http://testserver/oauth/token'" in text and "'http://testserver/graphql'" in text
    assert_no_dangling_backslash(text)

    _, elsewhere = await page_parts(http, host="localhost:9321")
    moved = curl_text(elsewhere)
    assert "'http://localhost:9321/oauth/token'" in moved and "8000" not in moved
    assert_no_dangling_backslash(moved)

    # The script rebuilds the same text from window.location: its template matches.
    config = json.loads(parts.text_by_id["qb-config"])
    rebuilt = (config["curlTemplate"].replace(config["tokenUrlPlaceholder"], "http://testserver/oauth/token")
               .replace(config["graphqlUrlPlaceholder"], "http://testserver/graphql"))
    assert rebuilt == text
    assert "8000" not in config["curlTemplate"] and "127.0.0.1" not in config["curlTemplate"]


FAKE_CURL = r"""
curl() {
  printf '%s\0' "$@" >> "$CURL_LOG"
  printf '\n' >> "$CURL_LOG"
  printf '{"access_token":"token-from-fake-curl","token_type":"Bearer"}'
}
"""


def curl_calls(log: bytes) -> list[list[str]]:
    """Each call's arguments, as the fake curl logged them (NUL after each, a newline after the call)."""
    return [[arg.decode() for arg in call.split(b"\0")] for call in log.split(b"\0\n") if call]


def replayable(args: list[str]) -> dict[str, Any]:
    """The URL, headers and body of one curl command line (the options the example uses)."""
    request: dict[str, Any] = {"url": None, "method": "GET", "headers": {}, "form": [], "data": None}
    options = iter(args)
    for arg in options:
        if arg == "-s":
            continue
        if arg == "-X":
            request["method"] = next(options)
        elif arg == "-H":
            name, _, value = next(options).partition(":")
            request["headers"][name.strip()] = value.strip()
        elif arg in ("-d", "--data-urlencode"):
            request["method"] = "POST"
            request["form"].extend(parse_qsl(next(options), keep_blank_values=True))
        elif arg == "--data":
            request["method"], request["data"] = "POST", next(options)
        else:
            assert request["url"] is None and not arg.startswith("-"), f"unexpected curl argument {arg!r}"
            request["url"] = arg
    return request


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
async def test_curl_example_runs_as_printed(http, clients, tmp_path):
    _, parts = await page_parts(http)
    partner = await clients.partner()
    log = tmp_path / "curl.log"
    script = tmp_path / "example.sh"
    script.write_text(FAKE_CURL + curl_text(parts) + "\n")
    env = {
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        "CURL_LOG": str(log),
        "QIANBAO_CLIENT_ID": partner.client_id,
        "QIANBAO_CLIENT_SECRET": partner.client_secret,
    }
    run = subprocess.run(["bash", "-e", "-o", "pipefail", str(script)], env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    get_token, ask = (replayable(call) for call in curl_calls(log.read_bytes()))

    assert get_token["method"] == "POST" and urlsplit(get_token["url"]).path == "/oauth/token"
    answer = await http.post(urlsplit(get_token["url"]).path, data=dict(get_token["form"]))
    assert answer.status_code == 200, answer.text

    assert ask["headers"]["Authorization"] == "Bearer token-from-fake-curl", "the token did not reach the second curl"
    real = {**ask["headers"], "Authorization": f"Bearer {answer.json()['access_token']}"}
    response = await http.post(urlsplit(ask["url"]).path, content=ask["data"], headers=real)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["clientId"] == partner.client_id


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_curl_example_says_what_is_missing():
    text = curl_example(token_url="http://127.0.0.1:1/oauth/token", graphql_url="http://127.0.0.1:1/graphql")
    run = subprocess.run(["bash", "-c", FAKE_CURL + text], env={"PATH": os.environ.get("PATH", ""), "CURL_LOG": "/dev/null"},
                         capture_output=True, text=True, timeout=60)
    assert "QIANBAO_CLIENT_ID" in run.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to check the script's syntax")
async def test_page_script_is_valid_javascript(http, tmp_path):
    _, parts = await page_parts(http)
    (script,) = parts.inline_scripts
    path = tmp_path / "page.js"
    path.write_text(script)
    run = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


async def raw_get(app: Any, path: str) -> tuple[int, bytes]:
    """GET with the path exactly as given (httpx would resolve the ../ before sending it)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1), "server": ("testserver", 80),
    }
    status, body = 0, b""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    await app(scope, receive, send)
    return status, body


async def test_asset_route_refuses_traversal_and_unknown_files(app, http):
    on_disk_but_unlisted = ["README.md", "graphiql.min.js.map", "", ".", ".."]
    for name in on_disk_but_unlisted + ["nope.js", "graphiql.js", "GRAPHIQL.MIN.JS", "graphiql.min.js%00.txt"]:
        response = await http.get(f"/graphiql-assets/{name}")
        assert response.status_code == 404, (name, response.status_code)
    for path in [
        "/graphiql-assets/../app.py", "/graphiql-assets/../../pyproject.toml", "/graphiql-assets/..%2Fapp.py",
        "/graphiql-assets/%2e%2e%2fgraphql_endpoint.py", "/graphiql-assets/..\\app.py", "/graphiql-assets/./../app.py",
        "/graphiql-assets//etc/passwd",
    ]:
        status, body = await raw_get(app, path)
        assert status == 404, (path, status)
        assert b"import" not in body and b"root:" not in body, path
    for encoded in ["/graphiql-assets/..%2Fapp.py", "/graphiql-assets/%2e%2e%2fgraphql_endpoint.py"]:
        assert (await http.get(encoded)).status_code == 404, encoded


async def test_assets_are_cached_compressed_and_byte_exact(http):
    plain = await http.get("/graphiql-assets/graphiql.min.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.content == (ASSET_DIR / "graphiql.min.js").read_bytes()
    assert "immutable" in plain.headers["cache-control"] and "max-age=31536000" in plain.headers["cache-control"]
    assert plain.headers["x-content-type-options"] == "nosniff"
    zipped = await http.get("/graphiql-assets/graphiql.min.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == plain.content
    again = await http.get("/graphiql-assets/graphiql.min.js", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    for name, content_type in ASSETS.items():
        response = await http.get(f"/graphiql-assets/{name}")
        assert response.status_code == 200 and response.headers["content-type"] == content_type, name


def test_every_asset_and_its_licence_ships_in_the_package():
    for name in ASSETS:
        assert (ASSET_DIR / name).is_file(), name
    for licence in ("LICENSE-react.txt", "LICENSE-react-dom.txt", "LICENSE-graphiql.txt", "THIRD-PARTY-NOTICES.txt"):
        assert licence in ASSETS and "Permission is hereby granted" in (ASSET_DIR / licence).read_text()
    package_data = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["package-data"]
    patterns = package_data.get("api", []) + package_data.get("*", [])
    for path in ASSET_DIR.iterdir():
        relative = path.relative_to(ASSET_DIR.parent.parent).as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), f"{relative} is not in the package data"


async def test_production_serves_neither_the_page_nor_its_files(database_url):
    async with app_instance(database_url, env="production") as prod:
        for name in ("graphiql.min.js", "react.production.min.js"):
            assert (await prod.get(f"/graphiql-assets/{name}")).status_code == 404
        page = await prod.get("/graphql", headers=HTML)
        assert page.status_code == 401 and "graphiql" not in page.text.lower()
