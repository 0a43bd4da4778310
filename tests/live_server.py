"""`qianbao serve` as a real subprocess for the tests that need a live server (faults, shutdown, fuzzing, edge).

`cli(...)` runs one command with the test environment; `live_server(...)` starts serve on a free port, waits for
/readyz and stops it (SIGTERM) on exit, its output kept in serve.log of the working directory.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

QIANBAO = Path(sys.executable).parent / "qianbao"


def cli_env(**extra: str) -> dict[str, str]:
    """This process's environment without its QIANBAO_ settings, in development mode with cheap hashing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    env.update(QIANBAO_ARGON2_PROFILE="cheapest", QIANBAO_ENV="development", **extra)
    return env


def cli(*args: str, cwd: Path, stdin: str | None = None, **extra: str) -> str:
    """Run one qianbao command; its stdout (a failure fails the test with the command's output)."""
    result = subprocess.run([str(QIANBAO), *args], cwd=cwd, env=cli_env(**extra), input=stdin, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    """A running `qianbao serve`: its process, port and log."""

    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def live_server(url: str, cwd: Path, *, workers: int = 1, **extra: str) -> Iterator[LiveServer]:
    """Serve `url` until the block ends; rate limits lifted (the tests send much from one partner)."""
    env = cli_env(QIANBAO_RATE_LIMIT_RPS="1000000", QIANBAO_RATE_LIMIT_BURST="1000000", **extra)
    port = free_port()
    log_path = cwd / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(QIANBAO), "serve", "--port", str(port), "--workers", str(workers),
                                    "--database-url", url], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(process, port, log_path)
    try:
        _wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(server: LiveServer) -> None:
    """Until GET /readyz answers 200 (120 s at most).

    A fresh SQLite file is migrated before the server answers: ~9 s since models.migration_base (~25 s before, over
    30 s on this shared machine when its host was busy: 2026-12-06, the edge-server fixture failed there at 30 s). A readiness wait,
    not a timing assertion: the bound only stops a server that never comes up.
    """
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log()[-3000:]
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1) as probe:
                probe.sendall(b"GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
                if probe.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("qianbao serve did not become ready within 120 s:\n" + server.log()[-3000:])
