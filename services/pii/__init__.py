"""PII encryption at rest: envelope encryption (master key -> data keys -> values), masking, key rotation."""

from services.pii.envelope import decrypt_value, encrypt_value, encrypt_values, mask
from services.pii.errors import MasterKeyUnavailable, PiiError, PiiIntegrityError
from services.pii.registry import PII_COLUMNS, pii_context
from services.pii.rotation import RotationReport, rotate_data_keys

__all__ = [
    "PII_COLUMNS",
    "MasterKeyUnavailable",
    "PiiError",
    "PiiIntegrityError",
    "RotationReport",
    "decrypt_value",
    "encrypt_value",
    "encrypt_values",
    "mask",
    "pii_context",
    "rotate_data_keys",
]
