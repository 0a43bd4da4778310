"""`qianbao staff create` answers Ctrl-D at the prompt, an empty or a closed standard input
with one clear line on standard error and exit status 2, never a traceback. The password
is read before the database is opened, so none of these needs one."""

from __future__ import annotations

import getpass
import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.cli.parser import main

QIANBAO = Path(sys.executable).parent / "qianbao"
STAFF_CREATE = ["staff", "create", "--email", "ops@bank.example", "--role", "admin"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    # A database URL that would fail loudly if the command got as far as opening it.
    env.update(QIANBAO_ENV="development", QIANBAO_DATABASE_URL=f"sqlite://{tmp_path}/never.sqlite3")
    return env


def _one_clear_line(returncode: int, stderr: str, stdout: str = "") -> str:
    assert returncode == 2, (returncode, stderr)
    assert "Traceback" not in stderr + stdout, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qianbao: "), stderr
    return lines[0]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _ctrl_d(prompt: str = "") -> str:
    raise EOFError


@pytest.mark.parametrize("at", ["first", "repeat"])
def test_ctrl_d_at_the_prompt_is_one_line_and_status_2(monkeypatch, capsys, tmp_path, at):
    monkeypatch.setenv("QIANBAO_DATABASE_URL", f"sqlite://{tmp_path}/never.sqlite3")
    monkeypatch.setattr(sys, "stdin", _Terminal())
    answers = iter(["a long enough password"]) if at == "repeat" else iter([])

    def prompt(text: str = "") -> str:
        return next(answers, None) or _ctrl_d()

    monkeypatch.setattr(getpass, "getpass", prompt)
    status = main(STAFF_CREATE)
    captured = capsys.readouterr()
    line = _one_clear_line(status, captured.err, captured.out)
    assert "end of input" in line and "no staff user created" in line
    assert not (tmp_path / "never.sqlite3").exists()


def test_different_passwords_are_one_line_and_status_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("QIANBAO_DATABASE_URL", f"sqlite://{tmp_path}/never.sqlite3")
    monkeypatch.setattr(sys, "stdin", _Terminal())
    answers = iter(["a long enough password", "another long password"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    status = main(STAFF_CREATE)
    captured = capsys.readouterr()
    assert "differ" in _one_clear_line(status, captured.err, captured.out)


@pytest.mark.parametrize("password_stdin", [True, False], ids=["--password-stdin", "prompt"])
def test_a_closed_stdin_is_one_line_and_status_2(tmp_path, password_stdin):
    # `<&-` closes descriptor 0: Python then has no sys.stdin at all.
    flags = ["--password-stdin"] if password_stdin else []
    result = subprocess.run(
        ["bash", "-c", 'exec "$0" "$@" <&-', str(QIANBAO), *STAFF_CREATE, *flags],
        env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    line = _one_clear_line(result.returncode, result.stderr, result.stdout)
    assert "password" in line
    assert not (tmp_path / "never.sqlite3").exists()


@pytest.mark.parametrize("password_stdin", [True, False], ids=["--password-stdin", "prompt"])
def test_an_empty_stdin_is_one_line_and_status_2(tmp_path, password_stdin):
    flags = ["--password-stdin"] if password_stdin else []
    result = subprocess.run(
        [str(QIANBAO), *STAFF_CREATE, *flags], stdin=subprocess.DEVNULL,
        env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    line = _one_clear_line(result.returncode, result.stderr, result.stdout)
    assert "--password-stdin" in line
    assert not (tmp_path / "never.sqlite3").exists()


def _read_until(fd: int, wanted: bytes, timeout_s: float = 30) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout_s
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_ctrl_d_on_a_real_terminal(tmp_path):
    """The prompt on a pseudo-terminal (getpass reads /dev/tty), answered with Ctrl-D."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal
        try:
            os.chdir(tmp_path)
            os.execve(str(QIANBAO), [str(QIANBAO), *STAFF_CREATE], _env(tmp_path))
        finally:
            os._exit(127)
    try:
        prompt = _read_until(fd, b"Password")
        assert b"Password" in prompt, prompt
        os.write(fd, b"\x04")  # Ctrl-D on an empty line: end of input
        rest = _read_until(fd, b"no staff user created")
        rest += _read_until(fd, b"\n", timeout_s=2)
    finally:
        _, wait_status = os.waitpid(pid, 0)
        os.close(fd)
    output = (prompt + rest).decode(errors="replace")
    assert os.waitstatus_to_exitcode(wait_status) == 2, output
    assert "Traceback" not in output and "EOFError" not in output, output
    assert "qianbao: no password typed (end of input at the prompt); no staff user created" in output, output
    assert not (tmp_path / "never.sqlite3").exists()
