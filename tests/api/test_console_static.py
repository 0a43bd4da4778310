"""GET /console: the staff console's files, served with a strict CSP, nothing from elsewhere, no traversal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.console import CSP, TYPES

CONSOLE = Path(__file__).resolve().parents[2] / "api" / "static" / "console"
OWN_FILES = sorted(p for p in CONSOLE.rglob("*") if p.is_file() and "vendor" not in p.parts)
SERVED_FILES = sorted(p for p in CONSOLE.rglob("*") if p.is_file() and p.suffix in TYPES and not p.name.startswith("."))
LICENCE_BANNER = re.compile(r"/\*!.*?\*/", re.S)
IMPORT = re.compile(r"""(?:import|from)\s+(?:[\w*{}\s,]+\s+from\s+)?["'](\.{1,2}/[^"']+)["']""")
KEY = re.compile(r'^\s*"([a-zA-Z.]+)":|,\s*"([a-zA-Z.]+)":', re.M)


def _keys(path: Path) -> set[str]:
    return {a or b for a, b in KEY.findall(path.read_text(encoding="utf-8"))}


async def test_the_console_page_is_served_with_a_strict_policy(http):
    response = await http.get("/console")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP and "script-src 'self'" in CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in CSP
    assert "<script>" not in response.text and " style=" not in response.text  # nothing inline
    assert (await http.get("/console/")).text == response.text


async def test_every_file_the_page_and_its_modules_load_is_served(http):
    index = (CONSOLE / "index.html").read_text(encoding="utf-8")
    wanted = set(re.findall(r'(?:src|href)="(/console/[^"]+)"', index))
    assert "/console/app.js" in wanted and "/console/vendor/chart.umd.min.js" in wanted
    for module in CONSOLE.rglob("*.js"):
        if "vendor" in module.parts:
            continue
        for target in IMPORT.findall(module.read_text(encoding="utf-8")):
            resolved = (module.parent / target).resolve()
            assert resolved.is_file(), f"{module.name} imports {target}, which does not exist"
            wanted.add("/console/" + resolved.relative_to(CONSOLE).as_posix())
    for path in sorted(wanted):
        response = await http.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == CSP
        expected = "text/javascript" if path.endswith(".js") else "text/css" if path.endswith(".css") else "text/html"
        assert response.headers["content-type"].startswith(expected), path


@pytest.mark.parametrize("path", SERVED_FILES, ids=lambda p: p.relative_to(CONSOLE).as_posix())
async def test_no_served_file_names_another_host(http, path):
    """Every file /console serves, vendored ones too; a library's preserved licence banner (/*! ... */) may cite its home."""
    response = await http.get("/console/" + path.relative_to(CONSOLE).as_posix())
    assert response.status_code == 200
    text = response.text
    if path.suffix == ".js":
        text = LICENCE_BANNER.sub("", text)
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), f"{path.name} names another host"


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda p: p.relative_to(CONSOLE).as_posix())
def test_our_console_files_name_no_other_host_and_keep_tokens_out_of_local_storage(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"https?://", text), f"{path.name} names another host"
    assert "localStorage" not in text and "innerHTML" not in text and "eval(" not in text


def test_both_languages_have_every_string():
    en, zh = _keys(CONSOLE / "i18n" / "en.js"), _keys(CONSOLE / "i18n" / "zh.js")
    assert len(en) > 150 and en == zh, sorted(en ^ zh)
    used = set()
    for module in CONSOLE.rglob("*.js"):
        if "vendor" not in module.parts and "i18n" not in module.parts:
            used |= set(re.findall(r'\bt\("([a-zA-Z.]+)"', module.read_text(encoding="utf-8")))
    assert used <= en, sorted(used - en)


@pytest.mark.parametrize("path", ["/console/../api/settings.py", "/console/%2e%2e/api/settings.py",
                                  "/console/..%2fapp.js", "/console/vendor/../../console.py", "/console/nothing.js",
                                  "/console/.hidden.js", "/console/pages", "/console/app.py", "/console/i18n%5cen.js"])
async def test_traversal_hidden_unknown_and_unlisted_files_are_not_found(http, path):
    response = await http.get(path)
    assert response.status_code == 404, path
    assert "qianbao" not in response.text.lower()


async def test_the_vendored_chart_library_carries_its_licence(http):
    assert (await http.get("/console/vendor/LICENSE-chart.js.md")).status_code == 200
    assert "MIT" in (CONSOLE / "vendor" / "LICENSE-chart.js.md").read_text(encoding="utf-8")


async def test_an_unchanged_file_is_not_sent_again(http):
    first = await http.get("/console/vendor/chart.umd.min.js")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache" and etag.startswith('"')
    again = await http.get("/console/vendor/chart.umd.min.js", headers={"If-None-Match": f'W/"other", {etag}'})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert again.headers["content-security-policy"] == CSP
    changed = await http.get("/console/vendor/chart.umd.min.js", headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200 and changed.content == first.content
    assert (await http.get("/console/app.js")).headers["etag"] != etag  # one tag per file
