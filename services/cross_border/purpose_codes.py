"""Purpose codes on international transfers: missing or unknown => VALIDATION naming purposeCode (no separate code).

The allowed list and whether a code is required come from the policy pack's crossBorder section (not yet wired).
"""

from __future__ import annotations

from collections.abc import Collection

from services.errors import ValidationFailed

# Documented default list (SWIFT/SAFE-style short codes): salary, family support, education, travel,
# medical, goods, services.
DEFAULT_PURPOSE_CODES: tuple[str, ...] = ("SAL", "FAM", "EDU", "TRA", "MED", "GDS", "SVC")


def check_purpose_code(raw: str | None, *, allowed: Collection[str], required: bool) -> str | None:
    """The cleaned purpose code, None when absent and optional, VALIDATION (field purposeCode) otherwise."""
    code = (raw or "").strip().upper()
    if not code:
        if required:
            raise ValidationFailed("purposeCode is required for this transfer", field=["purposeCode"])
        return None
    if code not in allowed:
        raise ValidationFailed(
            f"purposeCode {code} is not allowed (allowed: {', '.join(sorted(allowed))})", field=["purposeCode"],
        )
    return code
