"""KYC queries and mutations: parse input, call one service, map errors."""

from __future__ import annotations

import json
from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.enums import KycStatus
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import AfterArg, BeforeArg, Connection, FirstArg, LastArg, global_id_to_uuid
from schema.kyc.types import KycDecision, KycDocumentType, KycIdType, KycPiiField, KycSubmission
from services.kyc import views
from services.kyc.application import BusinessIn, DocumentIn, KycApplication, OwnerIn
from services.kyc.records import KycSubmissionRecord
from services.kyc.reveal import reveal_pii
from services.kyc.review import review_kyc
from services.kyc.submission import submit_kyc


@strawberry.input(
    description="A document the partner checked, sent as its fingerprint (the file stays with the partner)."
)
class KycDocumentInput:
    type: str | None = strawberry.field(
        default=None,
        description="One of PASSPORT, ID_FRONT, ID_BACK, DRIVING_LICENCE, RESIDENCE_PERMIT, SELFIE, PROOF_OF_ADDRESS,"
        " COMPANY_REGISTRATION, ARTICLES_OF_ASSOCIATION, SHAREHOLDER_REGISTER, OTHER (case-insensitive); anything else"
        " is VALIDATION.",
        deprecation_reason="Use documentType: the same value as the KycDocumentType enum.",
    )
    document_type: KycDocumentType | None = strawberry.field(
        default=None,
        description="What kind of document it is; required unless the deprecated type is given. Give one of them,"
        " not both (VALIDATION otherwise).",
    )
    sha256: str = strawberry.field(description="The file's SHA-256, 64 hexadecimal characters (stored lower case).")
    file_name: str = strawberry.field(
        description="The file's name, 1 to 255 characters, without a path ('/' or '\\' is VALIDATION) or control characters."
    )


@strawberry.input(description="A beneficial owner of a business customer (screened against the watchlists too).")
class KycBeneficialOwnerInput:
    legal_name: str = strawberry.field(description="The owner's legal name, 1 to 200 characters.")
    date_of_birth: str = strawberry.field(
        description="YYYY-MM-DD: a real date, not in the future, at most 130 years ago."
    )
    nationality: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, e.g. CN.")
    ownership_bps: int = strawberry.field(
        description="The owner's share in basis points, 1 to 10000 (10000 = 100%); all owners together at most 10000."
    )


@strawberry.input(description="Company data of a business customer; required for BUSINESS customers, refused for individuals.")
class KycBusinessInput:
    company_name: str = strawberry.field(description="The registered company name, 1 to 200 characters.")
    registration_number: str = strawberry.field(
        description="The company registration number, 1 to 64 characters: letters, digits, spaces, '.', '/' and '-'."
    )
    incorporation_country: str = strawberry.field(description="ISO 3166-1 alpha-2 country of incorporation, e.g. CN.")
    incorporation_date: str = strawberry.field(description="YYYY-MM-DD, not in the future and not before 1600-01-01.")
    beneficial_owners: list[KycBeneficialOwnerInput] = strawberry.field(
        description="1 to 25 beneficial owners; their ownershipBps together at most 10000."
    )


@strawberry.input(
    description="Identity data of one customer. Business customers send `business`; individuals a dateOfBirth. Every"
    " value is checked (the first problem is a VALIDATION userError whose field names the path, e.g."
    " business.beneficialOwners.1.ownershipBps; messages never repeat the value) and then stored encrypted."
)
class KycSubmitInput:
    customer_id: strawberry.ID = strawberry.field(
        description="The customer's global ID (a Customer of yours; another partner's is NOT_FOUND)."
    )
    legal_name: str = strawberry.field(
        description="The subject's full legal name, 1 to 200 characters, no control characters."
    )
    nationality: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, e.g. CN (case-insensitive).")
    id_type: str | None = strawberry.field(
        default=None,
        description="PASSPORT, NATIONAL_ID, DRIVING_LICENCE, RESIDENCE_PERMIT; businesses also COMPANY_REGISTRATION.",
        deprecation_reason="Use identityDocumentType: the same value as the KycIdType enum.",
    )
    identity_document_type: KycIdType | None = strawberry.field(
        default=None,
        description="The kind of identity document the idNumber comes from (COMPANY_REGISTRATION for businesses only);"
        " required unless the deprecated idType is given. Give one of them, not both (VALIDATION otherwise).",
    )
    id_number: str = strawberry.field(
        description="The identity document's number, 1 to 64 characters: letters, digits, spaces, '.', '/' and '-'."
    )
    address: str = strawberry.field(description="The subject's address, 1 to 500 characters; line breaks allowed.")
    documents: list[KycDocumentInput] = strawberry.field(description="1 to 20 documents, by fingerprint.")
    date_of_birth: str | None = strawberry.field(
        default=None,
        description="YYYY-MM-DD, not in the future, at most 130 years ago; required for individuals, optional for businesses.",
    )
    business: KycBusinessInput | None = strawberry.field(
        default=None, description="Company data and beneficial owners: required for BUSINESS customers, refused for INDIVIDUAL."
    )


@strawberry.input(description="A compliance officer's decision on one PENDING KYC submission.")
class KycReviewInput:
    submission_id: strawberry.ID = strawberry.field(description="The KycSubmission's global ID.")
    decision: KycDecision = strawberry.field(description="APPROVE (with a tier), REJECT or NEEDS_INFO.")
    reason: str = strawberry.field(
        description="1 to 1000 characters, no control characters; kept in the audit trail. Partners see it only with"
        " NEEDS_INFO, so say there what is missing."
    )
    tier: int | None = strawberry.field(
        default=None,
        description="Required to APPROVE, refused otherwise (VALIDATION): the tier granted, one of the tiers of the"
        " customer's regional policy pack (the message lists them).",
    )


@strawberry.input(description="Which identity value of which submission to show in clear, and why.")
class KycRevealInput:
    submission_id: strawberry.ID = strawberry.field(description="The KycSubmission's global ID.")
    field: KycPiiField = strawberry.field(
        description="The value to reveal; a value the submission does not hold (e.g. BUSINESS of an individual) is VALIDATION."
    )
    reason: str = strawberry.field(
        description="Why you need the value in clear, 10 to 1000 characters without control characters; recorded in"
        " the audit trail (with the field, never the value) before the value is returned."
    )


@strawberry.type(description="The result of kycSubmit: the new PENDING submission, or why it was refused.")
class KycSubmitPayload:
    submission: KycSubmission | None = strawberry.field(description="The new submission (PENDING); null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Empty on success. Possible codes: VALIDATION, NOT_FOUND (customerId), KYC_PENDING."
    )


@strawberry.type(description="The result of kycReview: the decided submission, or why it was refused.")
class KycReviewPayload:
    submission: KycSubmission | None = strawberry.field(description="The submission as decided; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Empty on success. Possible codes: VALIDATION (reason, decision, tier), NOT_FOUND (submissionId),"
        " KYC_ALREADY_REVIEWED."
    )


@strawberry.type(description="The result of kycReveal: one identity value in clear, or why it was refused.")
class KycRevealPayload:
    submission: KycSubmission | None = strawberry.field(description="The submission the value was read from; null when refused.")
    field: KycPiiField | None = strawberry.field(description="Which value was revealed (as asked); null when refused.")
    value: str | None = strawberry.field(
        description="The value in clear (BUSINESS: the company data as a JSON object); null when refused. Do not"
        " store or log it."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Empty on success. Possible codes: VALIDATION (reason, field), NOT_FOUND (submissionId), PII_INTEGRITY."
    )


def _application(input: KycSubmitInput) -> KycApplication:
    business = None
    if input.business is not None:
        b = input.business
        owners = [OwnerIn(legal_name=o.legal_name, date_of_birth=o.date_of_birth, nationality=o.nationality,
                          ownership_bps=o.ownership_bps) for o in b.beneficial_owners]
        business = BusinessIn(company_name=b.company_name, registration_number=b.registration_number,
                              incorporation_country=b.incorporation_country, incorporation_date=b.incorporation_date,
                              beneficial_owners=owners)
    return KycApplication(
        legal_name=input.legal_name, date_of_birth=input.date_of_birth, nationality=input.nationality,
        id_type=input.id_type, id_number=input.id_number, address=input.address, business=business,
        identity_document_type=input.identity_document_type.value if input.identity_document_type else None,
        documents=[DocumentIn(type=d.type, sha256=d.sha256, file_name=d.file_name,
                              document_type=d.document_type.value if d.document_type else None) for d in input.documents],
    )


def _quoted(text: str) -> str:
    """Caller text as a JSON string for the audit detail: control characters escaped (PostgreSQL text
    refuses NUL), and a reason cannot pass itself off as another key=value of the detail."""
    return json.dumps(text, ensure_ascii=False)


def _view(record: KycSubmissionRecord | None) -> KycSubmission | None:
    return KycSubmission.from_record(record) if record is not None else None


@strawberry.type
class KycQueries:
    @strawberry.field(
        permission_classes=requires("kyc:read"),
        description="KYC submissions, oldest first, at most 100 a page (first/after forward, last/before backward). Needs kyc:read:"
        " bank staff (admin, compliance) see every partner's (status: PENDING is the review queue), a partner its"
        " own customers', a customer token its own customer's. Errors: VALIDATION (paging arguments), NOT_FOUND"
        " (customerId).",
    )
    async def kyc_submissions(
        self, info: Info,
        status: Annotated[KycStatus | None, strawberry.argument(
            description="Only submissions in this status (PENDING, APPROVED, REJECTED or NEEDS_INFO; NONE matches none)."
        )] = None,
        customer_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only this customer's submissions (a Customer global ID); one you cannot read is NOT_FOUND."
        )] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[KycSubmission]:
        page = await views.list_submissions(
            principal=info.context.principal, status=status.value if status is not None else None,
            customer_id=global_id_to_uuid(customer_id, "Customer"), customer_given=customer_id is not None,
            first=first, after=after, last=last, before=before,
        )
        return Connection.from_page(page, KycSubmission.from_record)

    @strawberry.field(
        permission_classes=requires("kyc:read"),
        description="One KYC submission by its global ID. Needs kyc:read (as kycSubmissions); an unknown ID or one you"
        " cannot read answers null with a NOT_FOUND error.",
    )
    async def kyc_submission(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The KycSubmission's global ID.")],
    ) -> KycSubmission | None:
        record = await views.get_submission(principal=info.context.principal, submission_id=global_id_to_uuid(id, "KycSubmission"))
        return KycSubmission.from_record(record)


@strawberry.type
class KycMutations:
    @strawberry.mutation(
        permission_classes=requires_partner("kyc:write"),
        description="Send one customer's identity data for review: it is validated, encrypted, screened against the"
        " watchlists and left PENDING, and the customer's kycStatus becomes PENDING. Needs the partner's own token"
        " with kyc:write (customer tokens and staff get FORBIDDEN). One open submission per customer (else"
        " KYC_PENDING). A watchlist hit holds the customer for compliance (COMPLIANCE_HOLD on money movements) without"
        " saying so here. userErrors: VALIDATION, NOT_FOUND, KYC_PENDING.",
    )
    async def kyc_submit(
        self, info: Info,
        input: Annotated[KycSubmitInput, strawberry.argument(description="The customer and its identity data.")],
    ) -> KycSubmitPayload:
        record, errors = await attempt(info, submit_kyc(
            principal=info.context.principal, customer_id=global_id_to_uuid(input.customer_id, "Customer"),
            application=_application(input),
        ))
        return KycSubmitPayload(submission=_view(record), user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("kyc:review"),
        description="Decide a PENDING submission: APPROVE with a tier, REJECT, or ask for more (NEEDS_INFO); the"
        " customer's kycStatus (and kycTier) follow. Needs kyc:review: bank staff in the compliance role only (others"
        " get FORBIDDEN). Audited with the decision and reason. userErrors: VALIDATION, NOT_FOUND, KYC_ALREADY_REVIEWED.",
    )
    async def kyc_review(
        self, info: Info,
        input: Annotated[KycReviewInput, strawberry.argument(description="The submission, the decision and its reason.")],
    ) -> KycReviewPayload:
        record, errors = await attempt(
            info,
            review_kyc(principal=info.context.principal, submission_id=global_id_to_uuid(input.submission_id, "KycSubmission"),
                       decision=input.decision.value, reason=input.reason, tier=input.tier),
            detail=f"submission={_quoted(input.submission_id)} decision={input.decision.value} tier={input.tier} reason={_quoted(input.reason)}",
        )
        return KycReviewPayload(submission=_view(record), user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("pii:reveal"),
        description="Show one identity value of a submission in clear. Needs pii:reveal: bank staff in the compliance"
        " role only (others get FORBIDDEN). Audited (field and reason, never the value) before the value is returned."
        " userErrors: VALIDATION, NOT_FOUND, PII_INTEGRITY.",
    )
    async def kyc_reveal(
        self, info: Info,
        input: Annotated[KycRevealInput, strawberry.argument(description="The submission, the value wanted and why.")],
    ) -> KycRevealPayload:
        # The audit row (field and reason, never the value) is written before the value is returned.
        revealed, errors = await attempt(
            info,
            reveal_pii(principal=info.context.principal, submission_id=global_id_to_uuid(input.submission_id, "KycSubmission"),
                       field=input.field.value, reason=input.reason),
            detail=f"submission={_quoted(input.submission_id)} field={input.field.value} reason={_quoted(input.reason)}",
        )
        if revealed is None:
            return KycRevealPayload(submission=None, field=None, value=None, user_errors=errors)
        return KycRevealPayload(submission=_view(revealed.submission), field=input.field, value=revealed.value, user_errors=errors)
