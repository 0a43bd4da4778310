"""Errors of PII encryption. Their messages name keys and places (table.column:row), never a value."""

from __future__ import annotations


class PiiError(Exception):
    """PII could not be encrypted or decrypted."""


class PiiIntegrityError(PiiError):
    """A stored value cannot be trusted: tampered, moved to another row or column, or under an unknown key."""


class MasterKeyUnavailable(PiiError):
    """The master key is missing or malformed, so no data key can be wrapped or unwrapped."""
