"""PII-aware ticket text (pure): identity, card and mobile numbers typed into a subject or message are masked
before anything is stored, so the clear number never reaches the database, the events or the audit log.

Masked as the rest of the bank masks (services.pii.envelope.mask: only the last four characters shown):

- Chinese resident identity numbers: 17 digits and a digit or X (masked whether or not the check character
  is right: a mistyped ID number is still an ID number);
- card numbers: 13 to 19 digits, optionally grouped by spaces or dashes, that pass the Luhn check
  (python-stdnum, as cardLink checks them in services.funding.card_rules);
- mainland mobile numbers: 11 digits starting 13 to 19, with or without +86.
"""

from __future__ import annotations

import re

from stdnum import luhn

from services.pii.envelope import mask

# Not glued to other letters or digits: "订单号 2024..." stays a reference only when it is not one of these shapes.
_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
_RESIDENT_ID = re.compile(_EDGE_BEFORE + r"[0-9]{17}[0-9Xx]" + _EDGE_AFTER)
_CARD = re.compile(_EDGE_BEFORE + r"[0-9](?:[ -]?[0-9]){12,18}" + _EDGE_AFTER)
_MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]){8}" + _EDGE_AFTER)
_SEPARATORS = re.compile(r"[ -]")


def _card(match: re.Match[str]) -> str:
    """A Luhn-valid digit run masked; any other digit run (an order number, an amount) left as it is."""
    digits = _SEPARATORS.sub("", match.group(0))
    if 13 <= len(digits) <= 19 and luhn.is_valid(digits):
        return mask(digits)
    return match.group(0)


def _masked(match: re.Match[str]) -> str:
    """The matched number without its separators, masked to its last four."""
    return mask(_SEPARATORS.sub("", match.group(0)))


def mask_sensitive(text: str) -> str:
    """The text with every identity, card and mobile number in it masked (nothing else changes)."""
    text = _RESIDENT_ID.sub(_masked, text)
    text = _CARD.sub(_card, text)
    return _MOBILE.sub(_masked, text)


def contains_sensitive(text: str) -> bool:
    """Whether masking would change the text (for tests and reports)."""
    return mask_sensitive(text) != text
