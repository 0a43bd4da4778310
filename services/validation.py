"""Checks shared by services for hostile free-text input."""

from __future__ import annotations

import re

from services.errors import ValidationFailed

_EMAIL_RE = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{2,63}")
_PHONE_RE = re.compile(r"\+[1-9][0-9]{6,14}")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None, *, field: str, max_len: int, required: bool = True) -> str | None:
    """Strip a text value and refuse empty (when required), over-long or control-character input."""
    if value is None:
        if required:
            raise ValidationFailed(f"{field} is required", field=[field])
        return None
    text = value.strip()
    if not text:
        if required:
            raise ValidationFailed(f"{field} must not be empty", field=[field])
        return None
    if len(text) > max_len:
        raise ValidationFailed(f"{field} must be at most {max_len} characters", field=[field])
    if _CONTROL_RE.search(text):
        raise ValidationFailed(f"{field} must not contain control characters", field=[field])
    return text


def clean_email(value: str | None) -> str | None:
    """Validate an optional e-mail address (lower-cased)."""
    text = clean_text(value, field="email", max_len=254, required=False)
    if text is not None and not _EMAIL_RE.fullmatch(text):
        raise ValidationFailed("email is not a valid address", field=["email"])
    return text.lower() if text else None


def clean_phone(value: str | None) -> str | None:
    """Validate an optional phone number in E.164 form (+ and 7 to 15 digits)."""
    text = clean_text(value, field="phone", max_len=32, required=False)
    if text is not None:
        text = re.sub(r"[\s\-()]", "", text)
        if not _PHONE_RE.fullmatch(text):
            raise ValidationFailed("phone must be in E.164 form, e.g. +8613800138000", field=["phone"])
    return text


def clean_reason(reason: str | None, *, max_len: int, min_len: int = 1, field: str = "reason") -> str:
    """A required free-text reason (why staff act) of min_len to max_len characters, without control characters."""
    text = clean_text(reason, field=field, max_len=max_len)
    assert text is not None  # required: clean_text refused None and blank input
    if len(text) < min_len:
        raise ValidationFailed(f"{field} must be at least {min_len} characters", field=[field])
    return text
