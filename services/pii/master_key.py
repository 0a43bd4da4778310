"""The master key that wraps every data key.

It comes from QIANBAO_MASTER_KEY (base64 of 32 random bytes), named by
QIANBAO_MASTER_KEY_ID (default "mk1"). Outside production, when the variable
is unset, a key file `qianbao-master.key` in the working directory is used,
and created (mode 0600) on first need. In production the variable is
required: a key file on the application host would sit next to the database
credentials, which defeats encrypting the database.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.pii.errors import MasterKeyUnavailable

MASTER_KEY_FILE = "qianbao-master.key"
KEY_BYTES = 32
DEFAULT_MASTER_KEY_ID = "mk1"
_KEY_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")

log = logging.getLogger("qianbao.pii")


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    aead: AESGCM = field(repr=False)


_loaded: MasterKey | None = None
_previous: tuple[MasterKey | None] | None = None  # (None,) once read and unset


def load_master_key() -> MasterKey:
    """The configured master key, read once per process; MasterKeyUnavailable when it cannot be."""
    global _loaded
    if _loaded is None:
        _loaded = _read_master_key()
    return _loaded


def forget_master_key() -> None:
    """Drop the remembered master keys (tests that change the environment)."""
    global _loaded, _previous
    _loaded = None
    _previous = None


def load_previous_master_key() -> MasterKey | None:
    """The master key being rotated away from, or None when none is configured.

    During a rotation (README, "Rotating the master key") every process runs with the new key in
    QIANBAO_MASTER_KEY and the old one in QIANBAO_MASTER_KEY_PREVIOUS, named by QIANBAO_MASTER_KEY_PREVIOUS_ID:
    data keys still wrapped by the old one keep unwrapping until `qianbao keys rotate-master` has re-wrapped them.
    """
    global _previous
    if _previous is None:
        _previous = (_read_previous_master_key(),)
    return _previous[0]


def master_key_for(key_id: str) -> MasterKey:
    """The loaded master key with this id (the current one, or the previous one during a rotation)."""
    current = load_master_key()
    if key_id == current.key_id:
        return current
    previous = load_previous_master_key()
    if previous is not None and key_id == previous.key_id:
        return previous
    raise MasterKeyUnavailable(f"master key {key_id!r} is not loaded (the configured master key is {current.key_id!r};"
                               " during a rotation set QIANBAO_MASTER_KEY_PREVIOUS and QIANBAO_MASTER_KEY_PREVIOUS_ID)")


def master_key_problem() -> str | None:
    """Why the master key cannot be loaded (for a fail-fast check at start-up), or None when it can."""
    try:
        load_master_key()
        load_previous_master_key()
    except MasterKeyUnavailable as exc:
        return str(exc)
    return None


def _read_master_key() -> MasterKey:
    key_id = os.environ.get("QIANBAO_MASTER_KEY_ID", "").strip() or DEFAULT_MASTER_KEY_ID
    if not _KEY_ID_RE.fullmatch(key_id):
        raise MasterKeyUnavailable("QIANBAO_MASTER_KEY_ID must be 1 to 64 letters, digits, '.', '_' or '-'")
    raw = os.environ.get("QIANBAO_MASTER_KEY", "").strip()
    if raw:
        return MasterKey(key_id=key_id, aead=AESGCM(_decode(raw, "QIANBAO_MASTER_KEY")))
    if os.environ.get("QIANBAO_ENV", "development").strip().lower() == "production":
        raise MasterKeyUnavailable(
            "QIANBAO_MASTER_KEY is not set: production needs the PII master key from the environment "
            "(base64 of 32 random bytes, e.g. from your secret manager); refusing to use a local key file"
        )
    return MasterKey(key_id=key_id, aead=AESGCM(_key_file(Path.cwd() / MASTER_KEY_FILE)))


def _read_previous_master_key() -> MasterKey | None:
    raw = os.environ.get("QIANBAO_MASTER_KEY_PREVIOUS", "").strip()
    key_id = os.environ.get("QIANBAO_MASTER_KEY_PREVIOUS_ID", "").strip()
    if not raw and not key_id:
        return None
    if not raw or not key_id:
        raise MasterKeyUnavailable("QIANBAO_MASTER_KEY_PREVIOUS and QIANBAO_MASTER_KEY_PREVIOUS_ID go together: set both or neither")
    if not _KEY_ID_RE.fullmatch(key_id):
        raise MasterKeyUnavailable("QIANBAO_MASTER_KEY_PREVIOUS_ID must be 1 to 64 letters, digits, '.', '_' or '-'")
    if key_id == load_master_key().key_id:
        raise MasterKeyUnavailable("QIANBAO_MASTER_KEY_PREVIOUS_ID names the current master key: give the new key a new id")
    return MasterKey(key_id=key_id, aead=AESGCM(_decode(raw, "QIANBAO_MASTER_KEY_PREVIOUS")))


def _decode(text: str, source: str) -> bytes:
    # The message never quotes the text: it is (or is meant to be) the key.
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyUnavailable(f"{source} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyUnavailable(f"{source} must decode to exactly {KEY_BYTES} bytes, not {len(key)}")
    return key


def _key_file(path: Path) -> bytes:
    """Read the development key file, creating it (0600) when it does not exist yet."""
    if not path.exists():
        _create_key_file(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise MasterKeyUnavailable(f"{path} is readable by other users: run chmod 600 {path}")
    return _decode(path.read_text().strip(), str(path))


def _create_key_file(path: Path) -> None:
    # Write a temporary file, then link it into place: a worker starting at the same
    # moment either wins the link or reads the complete file the other one linked.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
            log.warning("created the PII master key file %s: keep it safe, without it no PII can be read", path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
