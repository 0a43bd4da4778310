"""Checks shared by services for hostile free-text input."""

from __future__ import annotations

import re
import unicodedata

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


# Characters that change how a name reads or hide in it: bidirectional overrides, embeddings and isolates, the
# implicit direction marks, and zero-width or invisible formatting characters. A name holding one can show one
# thing to a reviewer and another to screening or to the customer ("Trojan Source" spoofing).
INVISIBLE_OR_BIDI = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\ufeff"
)


def clean_name(value: str | None, *, field: str, max_len: int, required: bool = True) -> str | None:
    """A name or reference: NFKC-normalised clean_text, refusing invisible and bidirectional control characters."""
    if value is not None:
        bad = next((c for c in value if c in INVISIBLE_OR_BIDI or unicodedata.category(c) == "Cf"), None)
        if bad is not None:
            raise ValidationFailed(f"{field} must not contain invisible or text-direction characters"
                                   f" (U+{ord(bad):04X})", field=[field])
        # NFKC: a full-width or compatibility form is the same name as its plain form (screening compares them).
        value = unicodedata.normalize("NFKC", value)
    return clean_text(value, field=field, max_len=max_len, required=required)


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
