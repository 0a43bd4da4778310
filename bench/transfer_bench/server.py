"""The `qianbao` CLI as subprocesses: one-shot commands and `qianbao serve` started and stopped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .http_client import HttpConnection, HttpError
from .settings import PROJECT_ROOT


def qianbao_command() -> list[str]:
    script = Path(sys.executable).parent / "qianbao"
    if script.exists():
        return [str(script)]
    found = shutil.which("qianbao")
    return [found] if found else [sys.executable, "-m", "api.cli"]


async def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *qianbao_command(), *args, cwd=PROJECT_ROOT, env=env or os.environ.copy(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await proc.communicate()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(), err.decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`qianbao serve` as a subprocess in its own session (stopped by process group)."""

    def __init__(self, database_url: str, workers: int, log_dir: Path, label: str, extra_args: tuple[str, ...] = ()) -> None:
        self.database_url, self.workers, self.extra_args = database_url, workers, extra_args
        self.port = free_port()
        self.log_path = log_dir / f"serve-{label}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, timeout_s: float = 60.0) -> None:
        env = os.environ.copy()
        env["QIANBAO_TOKEN_TTL_S"] = "3600"
        # One partner sends everything here: lift the per-partner API rate limit so the run
        # measures the posting path, not the limiter (whose own cost is still paid).
        env.setdefault("QIANBAO_RATE_LIMIT_RPS", "1000000")
        env.setdefault("QIANBAO_RATE_LIMIT_BURST", "1000000")
        env.setdefault("QIANBAO_ENV", "development")
        # The workers import the app by name: `--app bench.transfer_bench.plain_asgi:app` lives in the project tree.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
        log = open(self.log_path, "wb")
        self.proc = await asyncio.create_subprocess_exec(
            *qianbao_command(), "serve", "--workers", str(self.workers), "--database-url", self.database_url,
            "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", *self.extra_args,
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        conn = HttpConnection("127.0.0.1", self.port)
        while True:
            if self.proc.returncode is not None:
                raise RuntimeError(f"qianbao serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = await conn.request("GET", "/readyz")
                if status == 200:
                    break
            except (OSError, asyncio.IncompleteReadError, HttpError, ValueError):
                conn.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"qianbao serve not ready after {timeout_s:.0f} s:\n{self.log_tail()}")
            await asyncio.sleep(0.2)
        conn.close()
        # Every worker must be up, not only the first to answer: give the others a moment.
        await asyncio.sleep(1.0 if self.workers > 1 else 0.0)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    async def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # our own process group only
            await proc.wait()
