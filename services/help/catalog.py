"""The help centre's closed sets: locales, kinds, categories and statuses, and the checks of an article's text."""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

from services.errors import ValidationFailed


class HelpLocale(str, Enum):
    """The languages help is written in (BCP 47 tags)."""

    ZH_CN = "zh-CN"
    EN = "en"


class HelpKind(str, Enum):
    """A full article, or a short FAQ entry (title: the question, body: the answer)."""

    ARTICLE = "ARTICLE"
    FAQ = "FAQ"


class HelpCategory(str, Enum):
    """What an article is about."""

    TOP_UP = "TOP_UP"
    TRANSFER = "TRANSFER"
    FEES = "FEES"
    LIMITS = "LIMITS"
    KYC = "KYC"
    QR_PAYMENTS = "QR_PAYMENTS"
    SECURITY = "SECURITY"
    ACCOUNT = "ACCOUNT"
    OTHER = "OTHER"


class HelpStatus(str, Enum):
    """DRAFT: staff only. PUBLISHED: every partner and customer reads it."""

    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"


MAX_TITLE_CHARS = 200
MAX_BODY_CHARS = 20_000
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MAX_SLUG_CHARS = 80
# Control characters other than line breaks and tabs have no place in help text (and NUL breaks PostgreSQL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_locale(value: str | None, *, field: str = "locale") -> HelpLocale:
    """A supported locale, or VALIDATION naming the ones there are."""
    try:
        return HelpLocale(value)
    except ValueError:
        raise ValidationFailed(f"{field} must be one of {', '.join(m.value for m in HelpLocale)}", field=[field]) from None


def check_slug(value: str | None) -> str:
    """A slug: lower-case letters and digits in dash-separated words, 3 to 80 characters."""
    if not isinstance(value, str) or not 3 <= len(value) <= _MAX_SLUG_CHARS or not _SLUG.match(value):
        raise ValidationFailed("slug must be 3 to 80 lower-case letters, digits and single dashes (e.g. lost-phone)",
                               field=["slug"])
    return value


def check_text(value: str | None, *, field: str, limit: int) -> str:
    """Printable text (NFC, trimmed), 1 to `limit` characters."""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} is required", field=[field])
    text = unicodedata.normalize("NFC", value).strip()
    if not text or len(text) > limit:
        raise ValidationFailed(f"{field} must be 1 to {limit} characters", field=[field])
    if _CONTROL.search(text):
        raise ValidationFailed(f"{field} must not contain control characters", field=[field])
    return text
