"""The codes themselves: drawn with `secrets`, kept only as a SHA-256, never issued twice (pure, no database).

A code is 20 ASCII digits: the prefix 8 (a Qianbao customer-presented code,
so a till can tell it from a card number or another scheme's code) and 19
digits drawn uniformly with `secrets.randbelow(10**19)`: log2(10^19) ≈ 63.1
bits of randomness, above the 60 the contract asks for.

Stored: SHA-256 of the code, not an HMAC. The hash only has to make a leaked
table useless, and it does without a key to manage: inverting it means trying
up to 10^19 codes (about 2^63 hashes, years of GPU time), while the code it
would reveal is valid for 60 seconds and works once. An HMAC key would add
nothing against that but a key to rotate and to keep off the database host.
The last 4 digits are kept in clear so the customer and support can tell
codes apart. A code's hash is unique in the table forever, so a code is
never issued twice.
"""

from __future__ import annotations

import hashlib
import secrets

CODE_PREFIX = "8"
RANDOM_DIGITS = 19  # log2(10**19) ≈ 63.1 bits
CODE_LENGTH = len(CODE_PREFIX) + RANDOM_DIGITS
LAST_DIGITS = 4
_SEPARATORS = str.maketrans("", "", " -")


def new_code() -> str:
    """A fresh code: the prefix and 19 uniformly random digits (secrets, the OS's CSPRNG)."""
    return CODE_PREFIX + str(secrets.randbelow(10**RANDOM_DIGITS)).zfill(RANDOM_DIGITS)


def code_hash(code: str) -> str:
    """The hex SHA-256 the table keeps for a code (domain-separated from any other hash of ours)."""
    return hashlib.sha256(b"qianbao-payment-code:" + code.encode("ascii")).hexdigest()


def normalise_code(raw: object) -> str | None:
    """The code as scanned or typed (spaces and dashes dropped), or None when it cannot be one of ours."""
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    code = raw.translate(_SEPARATORS)
    if len(code) != CODE_LENGTH or not (code.isascii() and code.isdigit()) or not code.startswith(CODE_PREFIX):
        return None
    return code


def last_digits(code: str) -> str:
    """The digits kept in clear (the last four)."""
    return code[-LAST_DIGITS:]
