"""Encrypting one PII value: AES-256-GCM under a data key, bound to the place it is stored.

A token reads `pii1.<kid>.<base64url(nonce | ciphertext | tag)>`: the data key
id, a random 96-bit nonce, and the GCM output. The associated data is the
value's context, `table.column:row_id`, so a ciphertext copied to another row
or column fails to decrypt instead of showing one customer's data as another's.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.pii.data_keys import KID_RE, decryption_key, encryption_key
from services.pii.errors import PiiIntegrityError

TOKEN_VERSION = "pii1"
NONCE_BYTES = 12
TAG_BYTES = 16
MASK_DOTS = "••••••"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def seal(aead: AESGCM, kid: str, plaintext: str, *, context: str) -> str:
    """Encrypt under a given data key (pure: no database)."""
    if not context:
        raise ValueError("a PII value needs its context (table.column:row_id)")
    nonce = os.urandom(NONCE_BYTES)
    return f"{TOKEN_VERSION}.{kid}.{_b64url(nonce + aead.encrypt(nonce, plaintext.encode(), context.encode()))}"


def token_kid(token: object) -> str:
    """The data key id a token names; PiiIntegrityError when it is not a well-formed token."""
    if not isinstance(token, str):
        raise PiiIntegrityError("not a PII token")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION or not KID_RE.fullmatch(parts[1]):
        raise PiiIntegrityError("not a PII token")
    return parts[1]


def _blob(token: str) -> bytes:
    body = token.split(".")[2]
    try:
        blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise PiiIntegrityError("not a PII token") from None
    # Re-encoding must give the same text: the last base64 character has spare bits
    # that decoding ignores, and a changed character must never go unnoticed.
    if _b64url(blob) != body or len(blob) < NONCE_BYTES + TAG_BYTES:
        raise PiiIntegrityError("not a PII token")
    return blob


def open_token(token: object, *, context: str, keys: Mapping[str, AESGCM]) -> str:
    """Decrypt with one of the given keys (pure: no database); PiiIntegrityError on any doubt."""
    kid = token_kid(token)
    aead = keys.get(kid)
    if aead is None:
        raise PiiIntegrityError("the value names an unknown data key")
    blob = _blob(token)  # type: ignore[arg-type]
    try:
        plaintext = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
    except InvalidTag:
        raise PiiIntegrityError(f"the value at {context} failed its integrity check (altered, or moved from elsewhere)") from None
    return plaintext.decode("utf-8")


async def encrypt_value(plaintext: str, *, context: str) -> str:
    """Encrypt one PII value under the newest data key; call it inside the transaction that stores the value."""
    kid, aead = await encryption_key()
    return seal(aead, kid, plaintext, context=context)


async def encrypt_values(plaintexts: Mapping[str, str]) -> dict[str, str]:
    """Encrypt several values (context -> plaintext) under one lookup of the newest data key."""
    kid, aead = await encryption_key()
    return {context: seal(aead, kid, plaintext, context=context) for context, plaintext in plaintexts.items()}


async def decrypt_value(token: str, *, context: str) -> str:
    """Decrypt one stored PII value; PiiIntegrityError when it is altered, misplaced or under an unknown key."""
    kid = token_kid(token)
    return open_token(token, context=context, keys={kid: await decryption_key(kid)})


MIN_TAIL_LENGTH = 8
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def mask(value: str) -> str:
    """Only the last four characters of a long value, e.g. "••••••1234"; dates and short values fully masked.

    The last four of a date are most of its month and day, and of a value
    under eight characters most of the value: those show nothing.
    """
    if len(value) < MIN_TAIL_LENGTH or _DATE.fullmatch(value):
        return MASK_DOTS[:4]
    return MASK_DOTS + value[-4:]
