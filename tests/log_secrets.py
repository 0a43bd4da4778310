"""What must never reach a log line: the secrets and PII a test run made, and anything shaped like a token or card.

The API suite (tests/api/conftest.py) records, while each test runs, every
plaintext handed to argon2 (passwords and client secrets) and to the PII
envelope (identity numbers, names, bank account numbers...), and every log
record at INFO or above from any logger, tracebacks included. After the test
the text is searched for those values and for shapes that are secret whatever
made them: a JWT, a Luhn-valid card number, a PRC resident identity number.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

MIN_SECRET_LENGTH = 8  # shorter plaintexts (a country, a digit) would match innocent text
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# A card number stands alone: digits inside a hexadecimal id (a request id, a UUID) are not one. Written
# whole or in groups of four with spaces or dashes, as people type it.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{13,19}|[0-9]{4}(?:[ -][0-9]{4}){2}[ -][0-9]{1,7})(?![0-9A-Za-z])")
_CN_ID = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z])")
_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn check that every payment card number passes."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _digits(text: str) -> str:
    """The digits of a number written with spaces or dashes."""
    return "".join(char for char in text if char.isdigit())


def cn_id_valid(number: str) -> bool:
    """Whether an 18-character string has the check character of a PRC resident identity number (GB 11643)."""
    total = sum(int(char) * weight for char, weight in zip(number[:17], _CN_ID_WEIGHTS))
    return "10X98765432"[total % 11] == number[17].upper()


def leaks(text: str, secrets: set[str]) -> list[str]:
    """What in `text` is a recorded secret or has a secret's shape, each described without repeating it whole."""
    found = [f"recorded secret {value[:3]}...({len(value)} chars)" for value in secrets
             if len(value) >= MIN_SECRET_LENGTH and value in text]
    found += [f"JWT {match.group()[:12]}..." for match in _JWT.finditer(text)]
    found += [f"card number ...{match.group()[-4:]}" for match in _DIGIT_RUN.finditer(text)
              if luhn_valid(_digits(match.group()))]
    found += [f"identity number ...{match.group()[-4:]}" for match in _CN_ID.finditer(text) if cn_id_valid(match.group())]
    return found


class RecordingHandler(logging.Handler):
    """Keeps every record's formatted text (message and traceback) for the leak search."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Store the record as the production formatter would write it."""
        self.lines.append(self.format(record))


@dataclass
class LogWatch:
    """One test's watch: the secrets it made and the log lines it wrote (tests/api/conftest.py)."""

    secrets: set[str]
    handler: RecordingHandler

    def leaks(self) -> list[str]:
        """What the log lines written so far leak."""
        return leaks("\n".join(self.handler.lines), self.secrets)
