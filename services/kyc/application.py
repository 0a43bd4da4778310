"""A KYC application as partners send it, and the checks that turn it into clean values.

Every refusal is VALIDATION with the field path (e.g. business.beneficialOwners.1.ownershipBps)
and a message that never repeats the value: the values are personal data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from models.enums import CustomerKind
from services.countries import is_country
from services.validation import INVISIBLE_OR_BIDI
from services.errors import ValidationFailed

PERSON_ID_TYPES = frozenset({"PASSPORT", "NATIONAL_ID", "DRIVING_LICENCE", "RESIDENCE_PERMIT"})
BUSINESS_ID_TYPES = PERSON_ID_TYPES | {"COMPANY_REGISTRATION"}
DOCUMENT_TYPES = frozenset({
    "PASSPORT", "ID_FRONT", "ID_BACK", "DRIVING_LICENCE", "RESIDENCE_PERMIT", "SELFIE", "PROOF_OF_ADDRESS",
    "COMPANY_REGISTRATION", "ARTICLES_OF_ASSOCIATION", "SHAREHOLDER_REGISTER", "OTHER",
})
MAX_AGE_YEARS = 130
EARLIEST_INCORPORATION = date(1600, 1, 1)
MAX_DOCUMENTS = 20
MAX_OWNERS = 25
FULL_OWNERSHIP_BPS = 10_000

_SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID_NUMBER_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z ./-]*")
# Bidirectional overrides and isolates reorder what a reviewer sees on screen.


@dataclass(frozen=True)
class DocumentIn:
    type: str | None  # the deprecated string input; document_type is its typed replacement (exactly one is given)
    sha256: str
    file_name: str
    document_type: str | None = None


@dataclass(frozen=True)
class OwnerIn:
    legal_name: str
    date_of_birth: str
    nationality: str
    ownership_bps: int


@dataclass(frozen=True)
class BusinessIn:
    company_name: str
    registration_number: str
    incorporation_country: str
    incorporation_date: str
    beneficial_owners: list[OwnerIn] = field(default_factory=list)


@dataclass(frozen=True)
class KycApplication:
    legal_name: str
    nationality: str
    id_type: str | None  # the deprecated string input; identity_document_type is its typed replacement (exactly one)
    id_number: str
    address: str
    documents: list[DocumentIn]
    date_of_birth: str | None = None
    business: BusinessIn | None = None
    identity_document_type: str | None = None


def _path(path: list[str]) -> str:
    return ".".join(path)


def text(value: object, path: list[str], *, max_len: int, multiline: bool = False) -> str:
    """A required text: stripped, not empty, at most max_len characters, no control characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"{_path(path)} is required", field=path)
    for char in value:
        if char in INVISIBLE_OR_BIDI or unicodedata.category(char) == "Cf":
            raise ValidationFailed(f"{_path(path)} must not contain invisible or text-direction characters"
                                   f" (U+{ord(char):04X})", field=path)
    # NFKC: a full-width or compatibility form is the same name as its plain form (screening compares them).
    cleaned = unicodedata.normalize("NFKC", value).strip()
    if len(cleaned) > max_len:
        raise ValidationFailed(f"{_path(path)} must be at most {max_len} characters", field=path)
    for char in cleaned:
        if unicodedata.category(char) == "Cc" and not (multiline and char == "\n"):
            raise ValidationFailed(f"{_path(path)} must not contain control characters", field=path)
    return cleaned


def country(value: object, path: list[str]) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if not is_country(code):
        raise ValidationFailed(f"{_path(path)} must be an ISO 3166-1 alpha-2 country code", field=path)
    return code


def _today() -> date:
    return datetime.now(timezone.utc).date()


def iso_date(value: object, path: list[str], *, earliest: date) -> str:
    """A YYYY-MM-DD date between `earliest` and today."""
    raw = value.strip() if isinstance(value, str) else ""
    try:
        if not _DATE_RE.fullmatch(raw):
            raise ValueError
        parsed = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(f"{_path(path)} must be a date written YYYY-MM-DD", field=path) from None
    if parsed > _today():
        raise ValidationFailed(f"{_path(path)} must not be in the future", field=path)
    if parsed < earliest:
        raise ValidationFailed(f"{_path(path)} is too far in the past", field=path)
    return parsed.isoformat()


def birth_date(value: object, path: list[str]) -> str:
    """A date of birth: a real date, not in the future, at most 130 years ago."""
    today = _today()
    try:
        earliest = today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        earliest = today.replace(year=today.year - MAX_AGE_YEARS, day=28)
    return iso_date(value, path, earliest=earliest)


def either(old: str | None, new: str | None, at: list[str], old_name: str, new_name: str) -> tuple[str, list[str]]:
    """(value, its field path) of a typed input field or of the deprecated string field it replaces: exactly one."""
    if old is not None and new is not None:
        raise ValidationFailed(f"give {_path([*at, new_name])} or the deprecated {old_name}, not both", field=[*at, new_name])
    if new is None and old is None:
        raise ValidationFailed(f"{_path([*at, new_name])} is required", field=[*at, new_name])
    return (new, [*at, new_name]) if new is not None else (old or "", [*at, old_name])


def _documents(documents: list[DocumentIn]) -> list[dict[str, str]]:
    if not documents:
        raise ValidationFailed("send at least one document", field=["documents"])
    if len(documents) > MAX_DOCUMENTS:
        raise ValidationFailed(f"send at most {MAX_DOCUMENTS} documents", field=["documents"])
    cleaned = []
    for index, document in enumerate(documents):
        at = ["documents", str(index)]
        given, where = either(document.type, document.document_type, at, "type", "documentType")
        kind = given.strip().upper()
        if kind not in DOCUMENT_TYPES:
            raise ValidationFailed(f"{_path(where)} must be one of {', '.join(sorted(DOCUMENT_TYPES))}", field=where)
        digest = (document.sha256 or "").strip()
        if not _SHA256_RE.fullmatch(digest):
            raise ValidationFailed(f"documents.{index}.sha256 must be 64 hexadecimal characters", field=[*at, "sha256"])
        name = text(document.file_name, [*at, "fileName"], max_len=255)
        if "/" in name or "\\" in name:
            raise ValidationFailed(f"documents.{index}.fileName must be a file name, not a path", field=[*at, "fileName"])
        cleaned.append({"type": kind, "sha256": digest.lower(), "fileName": name})
    return cleaned


def _business(business: BusinessIn) -> dict[str, object]:
    at = ["business"]
    owners = business.beneficial_owners or []
    if not owners:
        raise ValidationFailed("a business names at least one beneficial owner", field=[*at, "beneficialOwners"])
    if len(owners) > MAX_OWNERS:
        raise ValidationFailed(f"name at most {MAX_OWNERS} beneficial owners", field=[*at, "beneficialOwners"])
    cleaned_owners = []
    for index, owner in enumerate(owners):
        here = [*at, "beneficialOwners", str(index)]
        bps = owner.ownership_bps
        if not isinstance(bps, int) or isinstance(bps, bool) or not 1 <= bps <= FULL_OWNERSHIP_BPS:
            raise ValidationFailed(f"{_path(here)}.ownershipBps must be between 1 and {FULL_OWNERSHIP_BPS}", field=[*here, "ownershipBps"])
        cleaned_owners.append({
            "legalName": text(owner.legal_name, [*here, "legalName"], max_len=200),
            "dateOfBirth": birth_date(owner.date_of_birth, [*here, "dateOfBirth"]),
            "nationality": country(owner.nationality, [*here, "nationality"]),
            "ownershipBps": bps,
        })
    if sum(o["ownershipBps"] for o in cleaned_owners) > FULL_OWNERSHIP_BPS:  # type: ignore[misc]
        raise ValidationFailed("beneficial owners together own at most 10000 bps (100%)", field=[*at, "beneficialOwners"])
    return {
        "companyName": text(business.company_name, [*at, "companyName"], max_len=200),
        "registrationNumber": _id_number(business.registration_number, [*at, "registrationNumber"]),
        "incorporationCountry": country(business.incorporation_country, [*at, "incorporationCountry"]),
        "incorporationDate": iso_date(business.incorporation_date, [*at, "incorporationDate"], earliest=EARLIEST_INCORPORATION),
        "beneficialOwners": cleaned_owners,
    }


def _id_number(value: object, path: list[str]) -> str:
    number = text(value, path, max_len=64)
    if not _ID_NUMBER_RE.fullmatch(number):
        raise ValidationFailed(f"{_path(path)} may hold only letters, digits, spaces, '.', '/' and '-'", field=path)
    return number


@dataclass(frozen=True)
class CleanApplication:
    legal_name: str
    date_of_birth: str | None
    nationality: str
    id_type: str
    id_number: str
    address: str
    documents: list[dict[str, str]]
    business: dict[str, object] | None


def clean_application(application: KycApplication, *, kind: CustomerKind) -> CleanApplication:
    """Validate every field for a customer of this kind; the first problem is raised as VALIDATION."""
    business_kind = kind == CustomerKind.BUSINESS
    legal_name = text(application.legal_name, ["legalName"], max_len=200)
    if application.date_of_birth is None or (isinstance(application.date_of_birth, str) and not application.date_of_birth.strip()):
        if not business_kind:
            raise ValidationFailed("dateOfBirth is required for an individual", field=["dateOfBirth"])
        date_of_birth = None
    else:
        date_of_birth = birth_date(application.date_of_birth, ["dateOfBirth"])
    nationality = country(application.nationality, ["nationality"])
    given, where = either(application.id_type, application.identity_document_type, [], "idType", "identityDocumentType")
    id_type = given.strip().upper()
    allowed = BUSINESS_ID_TYPES if business_kind else PERSON_ID_TYPES
    if id_type not in allowed:
        raise ValidationFailed(f"{_path(where)} must be one of {', '.join(sorted(allowed))}", field=where)
    id_number = _id_number(application.id_number, ["idNumber"])
    address = text(application.address, ["address"], max_len=500, multiline=True)
    documents = _documents(application.documents)
    if business_kind and application.business is None:
        raise ValidationFailed("a business customer sends its company data and beneficial owners", field=["business"])
    if not business_kind and application.business is not None:
        raise ValidationFailed("business data is only for business customers", field=["business"])
    business = _business(application.business) if application.business is not None else None
    return CleanApplication(
        legal_name=legal_name, date_of_birth=date_of_birth, nationality=nationality, id_type=id_type,
        id_number=id_number, address=address, documents=documents, business=business,
    )
