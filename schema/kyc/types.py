"""GraphQL types of KYC submissions: identity values are masked to their last four characters."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.common.context import Info
from schema.common.enums import CustomerKind, KycStatus, PartnerEnvironment
from schema.common.permissions import requires
from schema.common.relay import Node, to_global_id
from services.kyc import views
from services.kyc.records import KycScreeningRecord, KycSubmissionRecord
from services.screening.matcher import score_from_bps

if TYPE_CHECKING:
    from schema.customers.types import Customer


@strawberry.enum(description="A compliance reviewer's decision on a PENDING submission (kycReview).")
class KycDecision(Enum):
    APPROVE = strawberry.enum_value(
        "APPROVE",
        description="Verified: the submission and the customer become APPROVED and the customer gets the tier given"
        " in kycReview's tier (required with APPROVE only).",
    )
    REJECT = strawberry.enum_value(
        "REJECT",
        description="Refused: the submission and the customer become REJECTED and the customer's kycTier drops to 0."
        " The reason is shown to bank staff only.",
    )
    NEEDS_INFO = strawberry.enum_value(
        "NEEDS_INFO",
        description="More is needed: the submission and the customer become NEEDS_INFO (tier unchanged); the partner"
        " sees the reason in reviewReason and may kycSubmit again.",
    )


@strawberry.enum(
    description="The kind of identity document a KYC submission's idNumber comes from. An individual sends one of the"
    " personal documents; a business may also send its COMPANY_REGISTRATION (VALIDATION otherwise)."
)
class KycIdType(Enum):
    PASSPORT = strawberry.enum_value("PASSPORT", description="A passport; the number is the passport number.")
    NATIONAL_ID = strawberry.enum_value(
        "NATIONAL_ID", description="A national identity card (e.g. a resident identity card); its card number."
    )
    DRIVING_LICENCE = strawberry.enum_value("DRIVING_LICENCE", description="A driving licence; the licence number.")
    RESIDENCE_PERMIT = strawberry.enum_value(
        "RESIDENCE_PERMIT", description="A residence permit for a foreign national; the permit number."
    )
    COMPANY_REGISTRATION = strawberry.enum_value(
        "COMPANY_REGISTRATION",
        description="A company's registration certificate; business customers only, the registration number.",
    )


@strawberry.enum(
    description="The kind of a document a partner checked for a KYC submission (sent by fingerprint, never uploaded)."
)
class KycDocumentType(Enum):
    PASSPORT = strawberry.enum_value("PASSPORT", description="A passport's photo page.")
    ID_FRONT = strawberry.enum_value("ID_FRONT", description="The front of a national identity card.")
    ID_BACK = strawberry.enum_value("ID_BACK", description="The back of a national identity card.")
    DRIVING_LICENCE = strawberry.enum_value("DRIVING_LICENCE", description="A driving licence.")
    RESIDENCE_PERMIT = strawberry.enum_value("RESIDENCE_PERMIT", description="A residence permit.")
    SELFIE = strawberry.enum_value(
        "SELFIE", description="A photo of the subject taken for the check (liveness or likeness)."
    )
    PROOF_OF_ADDRESS = strawberry.enum_value(
        "PROOF_OF_ADDRESS", description="A recent utility bill, bank statement or similar showing the address."
    )
    COMPANY_REGISTRATION = strawberry.enum_value(
        "COMPANY_REGISTRATION", description="A company's certificate of registration or incorporation."
    )
    ARTICLES_OF_ASSOCIATION = strawberry.enum_value(
        "ARTICLES_OF_ASSOCIATION", description="A company's articles of association (its constitution)."
    )
    SHAREHOLDER_REGISTER = strawberry.enum_value(
        "SHAREHOLDER_REGISTER", description="A company's register of shareholders, naming its owners."
    )
    OTHER = strawberry.enum_value("OTHER", description="Any other supporting document.")


@strawberry.enum(description="Which encrypted identity value of a submission kycReveal shows in clear.")
class KycPiiField(Enum):
    LEGAL_NAME = strawberry.enum_value("LEGAL_NAME", description="The subject's legal name as submitted.")
    DATE_OF_BIRTH = strawberry.enum_value(
        "DATE_OF_BIRTH", description="The subject's date of birth, YYYY-MM-DD (a business may have sent none)."
    )
    ID_NUMBER = strawberry.enum_value("ID_NUMBER", description="The number of the identity document (see identityDocumentType).")
    ADDRESS = strawberry.enum_value("ADDRESS", description="The subject's address as submitted (may span lines).")
    BUSINESS = strawberry.enum_value(
        "BUSINESS",
        description="A business customer's company data and beneficial owners, as one JSON object (companyName,"
        " registrationNumber, incorporationCountry, incorporationDate, beneficialOwners).",
    )


@strawberry.type(
    description="A document the partner checked for this submission, recorded by its fingerprint only: the file"
    " itself stays with the partner and is never uploaded."
)
class KycDocument:
    type: str = strawberry.field(
        description="The document kind, upper case: PASSPORT, ID_FRONT, ID_BACK, DRIVING_LICENCE, RESIDENCE_PERMIT,"
        " SELFIE, PROOF_OF_ADDRESS, COMPANY_REGISTRATION, ARTICLES_OF_ASSOCIATION, SHAREHOLDER_REGISTER or OTHER.",
        deprecation_reason="Use documentType: the same value as the KycDocumentType enum.",
    )
    sha256: str = strawberry.field(description="The file's SHA-256 digest, 64 lower-case hexadecimal characters.")
    file_name: str = strawberry.field(description="The file's name as the partner sent it (no path), at most 255 characters.")

    @strawberry.field(description="What kind of document it is.")
    def document_type(self) -> KycDocumentType:
        return KycDocumentType(self.type)


@strawberry.type(description="A beneficial owner of a business customer; name and date of birth masked.")
class KycBeneficialOwner:
    legal_name: str = strawberry.field(description="Masked: only the last four characters (short names fully masked).")
    date_of_birth: str = strawberry.field(description="Masked completely (a date shows nothing).")
    nationality: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, as sent (not masked).")
    ownership_bps: int = strawberry.field(
        description="The owner's share in basis points, 1 to 10000 (10000 = 100%), as sent (not masked)."
    )


@strawberry.type(description="Company data of a business customer; name, number and date masked.")
class KycBusiness:
    company_name: str = strawberry.field(description="Masked: only the last four characters (short names fully masked).")
    registration_number: str = strawberry.field(
        description="The company registration number, masked: only the last four characters."
    )
    incorporation_country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, as sent (not masked).")
    incorporation_date: str = strawberry.field(description="Masked completely (a date shows nothing).")
    beneficial_owners: list[KycBeneficialOwner] = strawberry.field(
        description="The owners named in the submission (1 to 25), in the order sent."
    )


@strawberry.type(
    description="What watchlist (sanctions) screening found when the submission arrived: the strongest match among"
    " the subject and a business's beneficial owners, by list and entry ids only (no names). A hit holds the customer"
    " (COMPLIANCE_HOLD) and raises a SANCTIONS_SCREENING AML alert."
)
class KycScreening:
    hit: bool = strawberry.field(description="True when a party matched a watchlist entry above the bank's threshold.")
    score_bps: int | None = strawberry.field(
        description="Strength of the best match in basis points, 0 to 10000 (10000 = identical names), hit or not.",
        deprecation_reason="Use score: the same strength from 0 to 1, the scale of the screening threshold.",
    )
    score: float | None = strawberry.field(
        description="Strength of the best match from 0 to 1 (1: identical names; 4 decimals), hit or not, on the same"
        " scale as the bank's screening threshold (a hit is a score at or above it). Null if not recorded."
    )
    list_id: str | None = strawberry.field(description="The watchlist of the matching entry; null unless hit.")
    entry_id: str | None = strawberry.field(description="The matching entry's id within that watchlist; null unless hit.")
    party: str | None = strawberry.field(
        description="Who matched: subject, or beneficialOwners.N (0-based) for a business's owner."
    )

    @classmethod
    def from_record(cls, record: KycScreeningRecord) -> KycScreening:
        """The GraphQL view of a submission's screening summary."""
        score = score_from_bps(record.score) if record.score is not None else None
        return cls(hit=record.hit, score_bps=record.score, score=score, list_id=record.list_id, entry_id=record.entry_id,
                   party=record.party)


@strawberry.type(
    description="One KYC submission of a customer and its review. Identity values are encrypted at rest and shown"
    " masked here (last four characters at most); only compliance sees one in clear, with kycReveal. Readable with"
    " kyc:read: a partner its own customers', a customer token its own, bank staff (admin, compliance) all."
    " A masked field whose stored value fails its integrity check answers null with a PII_INTEGRITY error."
)
class KycSubmission(Node):
    id: strawberry.ID = strawberry.field(
        description="The submission's opaque global ID: pass it to kycSubmission(id:), node(id:), kycReview, kycReveal."
    )
    status: KycStatus = strawberry.field(
        description="PENDING until reviewed; then APPROVED, REJECTED or NEEDS_INFO (never NONE)."
    )
    subject_kind: CustomerKind = strawberry.field(description="The customer's kind when it was submitted.")
    nationality: str = strawberry.field(description="The subject's nationality, ISO 3166-1 alpha-2, upper case.")
    id_type: str = strawberry.field(
        description="The identity document type: PASSPORT, NATIONAL_ID, DRIVING_LICENCE, RESIDENCE_PERMIT, or for a"
        " business also COMPANY_REGISTRATION.",
        deprecation_reason="Use identityDocumentType: the same value as the KycIdType enum.",
    )
    documents: list[KycDocument] = strawberry.field(description="The documents sent (1 to 20), by fingerprint.")
    tier_granted: int | None = strawberry.field(
        description="The KYC tier an APPROVE granted (a tier of the customer's regional policy pack); null otherwise."
    )
    submitted_at: datetime = strawberry.field(description="When kycSubmit accepted it (UTC).")
    reviewed_at: datetime | None = strawberry.field(description="When a reviewer decided it (UTC); null while PENDING.")
    _record: strawberry.Private[KycSubmissionRecord]

    @classmethod
    def from_record(cls, record: KycSubmissionRecord) -> KycSubmission:
        """The GraphQL view of a submission a service returned (identity values are decrypted and masked per field)."""
        return cls(
            id=to_global_id("KycSubmission", record.id),
            status=KycStatus(record.status.value),
            subject_kind=CustomerKind(record.subject_kind.value),
            nationality=record.nationality,
            id_type=record.id_type,
            documents=[KycDocument(type=d.type, sha256=d.sha256, file_name=d.file_name) for d in record.documents],
            tier_granted=record.tier_granted,
            submitted_at=record.submitted_at,
            reviewed_at=record.reviewed_at,
            _record=record,
        )

    @strawberry.field(description="The kind of identity document the idNumber comes from.")
    def identity_document_type(self) -> KycIdType:
        return KycIdType(self._record.id_type)

    @strawberry.field(
        description="The subject's legal name, masked: only the last four characters (short values fully masked)."
    )
    async def legal_name(self) -> str | None:
        return await views.masked(self._record, "LEGAL_NAME")

    @strawberry.field(description="The subject's date of birth, masked completely; null for a business that sent none.")
    async def date_of_birth(self) -> str | None:
        return await views.masked(self._record, "DATE_OF_BIRTH")

    @strawberry.field(description="The identity document's number, masked: only the last four characters.")
    async def id_number(self) -> str | None:
        return await views.masked(self._record, "ID_NUMBER")

    @strawberry.field(description="The subject's address, masked: only the last four characters.")
    async def address(self) -> str | None:
        return await views.masked(self._record, "ADDRESS")

    @strawberry.field(description="Company data and beneficial owners, masked; null for an individual.")
    async def business(self) -> KycBusiness | None:
        data = await views.masked_business(self._record)
        if data is None:
            return None
        owners = [KycBeneficialOwner(legal_name=o.legal_name, date_of_birth=o.date_of_birth, nationality=o.nationality,
                                     ownership_bps=o.ownership_bps) for o in data.beneficial_owners]
        return KycBusiness(company_name=data.company_name, registration_number=data.registration_number,
                           incorporation_country=data.incorporation_country, incorporation_date=data.incorporation_date,
                           beneficial_owners=owners)

    @strawberry.field(
        description="The reviewer's reason (1 to 1000 characters). Bank staff always see it; partners and customer"
        " tokens only when the status is NEEDS_INFO (a rejection's reason stays with the bank), otherwise null."
    )
    def review_reason(self, info: Info) -> str | None:
        return views.visible_review_reason(info.context.principal, self._record)

    @strawberry.field(
        permission_classes=requires("aml:read"),
        description="Watchlist screening at submission; null if no watchlist was loaded. Needs aml:read: bank staff"
        " (admin, compliance) only, anyone else gets FORBIDDEN.",
    )
    def screening(self) -> KycScreening | None:
        screening = self._record.screening
        return KycScreening.from_record(screening) if screening is not None else None

    @strawberry.field(
        description="The environment of the customer's partner: LIVE, or SANDBOX for a sandbox partner's test customer"
        " (whose magic idNumbers are decided at once; any other waits for review like a live one)."
    )
    async def environment(self, info: Info) -> PartnerEnvironment:
        found = await info.context.loaders.partner_environment.load(self._record.partner_id)
        return found or PartnerEnvironment.LIVE  # type: ignore[attr-defined]

    @strawberry.field(
        permission_classes=requires("customers:read"), description="The customer this submission is about. Needs customers:read."
    )
    async def customer(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.customers.types")] | None:
        from schema.customers.types import Customer

        record = await info.context.loaders.customer.load(self._record.customer_id)
        return Customer.from_record(record) if record is not None else None
