"""The API suite runs with its logs captured: no test may leave a secret or PII in a log line (issue 19 item 12)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import argon2
import pytest

import services.pii.envelope as envelope
from tests.log_secrets import LogWatch, RecordingHandler, leaks

# The loggers production writes at INFO (api/logging_config.py APP_LOGGERS); the rest log through the root.
_APP_LOGGERS = ("qianbao", "strawberry")


@pytest.fixture(autouse=True)
def no_secret_in_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[LogWatch]:
    """Record the test's secrets and log lines; fail the test if a log line holds one."""
    made: set[str] = set()
    real_hash = argon2.PasswordHasher.hash
    real_seal = envelope.seal

    def recording_hash(self, password, *args, **kwargs):  # noqa: ANN001 - argon2's own signature
        made.add(password.decode() if isinstance(password, bytes) else str(password))
        return real_hash(self, password, *args, **kwargs)

    def recording_seal(aead, kid, plaintext, *, context):  # noqa: ANN001 - envelope.seal's own signature
        made.add(plaintext)
        return real_seal(aead, kid, plaintext, context=context)

    # Wrappers that record and call the real function: hashing and sealing behave exactly as in production.
    monkeypatch.setattr(argon2.PasswordHasher, "hash", recording_hash)
    monkeypatch.setattr(envelope, "seal", recording_seal)
    handler = RecordingHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in _APP_LOGGERS}
    for name in _APP_LOGGERS:
        if not logging.getLogger(name).isEnabledFor(logging.INFO):
            logging.getLogger(name).setLevel(logging.INFO)
    try:
        yield LogWatch(made, handler)
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    found = leaks("\n".join(handler.lines), made)
    assert not found, f"secrets or PII reached the logs: {found}"
