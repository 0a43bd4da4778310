"""A live server with demo data and Debian's Chromium for the console journeys (tests/browser).

The journeys run once, in the SQLite suite: the server has its own fresh
SQLite file either way. Without Chromium they are skipped, except with
CI=true, where a missing browser is a failure (.ci/run installs it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from auth.roles import STAFF_ROLES
from tests.browser.seed import EMAIL, PASSWORD

QIANBAO = Path(sys.executable).parent / "qianbao"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("QIANBAO_SCREENSHOT_DIR") or ROOT / "tests" / "browser" / "screenshots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps"]


def chromium_path() -> str | None:
    """Debian's chromium (or QIANBAO_CHROMIUM), if installed."""
    named = os.environ.get("QIANBAO_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _skip_reason() -> str | None:
    if os.environ.get("QIANBAO_TEST_DATABASE_URL"):
        return "the console journeys run once, in the SQLite suite (their server has its own SQLite file)"
    if chromium_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and no Chromium: .ci/run installs Debian's chromium (apt-get install -y chromium)")
        return "no Chromium here (apt-get install -y chromium, or QIANBAO_CHROMIUM=/path/to/chrome)"
    if importlib.util.find_spec("playwright") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and no playwright package: it is in the test extra of pyproject.toml")
        return "the playwright package is not installed (pip install -c requirements.lock -e '.[test]')"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A running `qianbao serve` on a fresh SQLite file: migrated, the demo's history, staff users, the journeys' seed."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{folder / 'console.sqlite3'}"
    env = {**os.environ, "QIANBAO_DATABASE_URL": url, "QIANBAO_ARGON2_PROFILE": "cheapest", "PYTHONPATH": str(ROOT)}
    env.pop("QIANBAO_TEST_DATABASE_URL", None)
    for command in (["migrate"], ["demo", "--days", "14"]):
        done = subprocess.run([str(QIANBAO), *command], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    for role in STAFF_ROLES:  # one staff user per role, as an operator creates them (the password on standard input)
        done = subprocess.run([str(QIANBAO), "staff", "create", "--email", EMAIL.format(role=role), "--role", role,
                               "--password-stdin"], input=PASSWORD.format(role=role) + "\n", env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, (role, done.stdout, done.stderr)
    seeded = subprocess.run([sys.executable, "-m", "tests.browser.seed", url], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    seed = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = _free_port()
    # The server's log goes to a file: a pipe nobody reads fills up (about 64 KiB of access log) and then stalls it.
    log_path = folder / "serve.log"
    log = log_path.open("w", encoding="utf-8")
    server = subprocess.Popen([str(QIANBAO), "serve", "--port", str(port)], env=env, stdout=log,
                              stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_path.read_text(encoding="utf-8")[-4000:]
            try:
                if httpx.get(base + "/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the console server did not start within 60 s"
            time.sleep(0.2)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        yield {"base": base, **seed}
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def browser(live_console: dict) -> Iterator:
    """One headless Chromium for the module's journeys.

    Module-scoped, not session-scoped: Playwright's sync API runs its own event loop in this thread while it is
    open, and the asyncio tests collected after tests/browser need the thread's loop back.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def wait_loaded(page) -> None:  # noqa: ANN001 - a playwright Page
    """Wait until the console has loaded the page of the current hash.

    Not the load state: a hash route is a same-document navigation, after which "networkidle" holds at once. The
    console's shell keeps main aria-busy while a page loads and then names the route it shows in main's data-loaded.
    """
    page.wait_for_function("() => { const m = document.getElementById('main');"
                           " return m.dataset.loaded === location.hash && !m.hasAttribute('aria-busy'); }")
    page.wait_for_selector("main h1")


class Watched:
    """A page whose console errors, page errors and requests to other hosts are recorded (and asserted at the end)."""

    def __init__(self, page, base: str) -> None:  # noqa: ANN001 - a playwright Page
        self.page, self.base = page, base
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.graphql_requests = 0
        self.allowed_errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", self._request)

    def _request(self, request) -> None:  # noqa: ANN001
        url = request.url
        if url.startswith("data:"):
            return
        if not url.startswith(self.base + "/"):
            self.foreign.append(url)
        if url == self.base + "/graphql":
            self.graphql_requests += 1

    def sign_in(self, role: str, *, expect_page: bool = True) -> None:
        """Sign in on the login form shown now."""
        self.page.get_by_label("E-mail").fill(EMAIL.format(role=role))
        self.page.get_by_label("Password").fill(PASSWORD.format(role=role))
        self.page.get_by_role("button", name="Sign in").click()
        if expect_page:
            self.page.wait_for_selector("nav a")
            self.settle()

    def open(self, route: str) -> None:
        """Go to a console page and wait until it has loaded."""
        self.page.goto(f"{self.base}/console#/{route}")
        self.settle()

    def settle(self) -> None:
        wait_loaded(self.page)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def check(self) -> None:
        unexpected = [e for e in self.errors if not any(allowed in e for allowed in self.allowed_errors)]
        assert unexpected == [], unexpected
        assert self.foreign == [], f"requests to other hosts: {self.foreign}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """Remember whether a journey's body failed, so that its fixture keeps a screenshot of the page as it was."""
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture()
def console(browser, live_console: dict, request: pytest.FixtureRequest) -> Iterator[Watched]:  # noqa: ANN001
    """A fresh browser context (its own sessionStorage) on the console's login page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    watched = Watched(page, live_console["base"])
    page.goto(live_console["base"] + "/console")
    page.wait_for_selector("#login-title")
    yield watched
    if request.node.stash.get(FAILED, False):
        watched.shot("FAILED-" + re.sub(r"[^\w.-]+", "-", request.node.name))
    context.close()
    watched.check()
