"""KYC queries and mutations: parse input, call one service, map errors."""

from __future__ import annotations

import json
from typing import Any

import strawberry

from schema.common.context import Info
from schema.common.enums import KycStatus
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import Connection, global_id_to_uuid
from schema.kyc.types import KycDecision, KycPiiField, KycSubmission
from services.kyc import views
from services.kyc.application import BusinessIn, DocumentIn, KycApplication, OwnerIn
from services.kyc.reveal import reveal_pii
from services.kyc.review import review_kyc
from services.kyc.submission import submit_kyc


@strawberry.input
class KycDocumentInput:
    type: str = strawberry.field(description="PASSPORT, ID_FRONT, ID_BACK, SELFIE, PROOF_OF_ADDRESS, COMPANY_REGISTRATION, ...")
    sha256: str = strawberry.field(description="The file's SHA-256, 64 hexadecimal characters.")
    file_name: str


@strawberry.input
class KycBeneficialOwnerInput:
    legal_name: str
    date_of_birth: str = strawberry.field(description="YYYY-MM-DD.")
    nationality: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    ownership_bps: int = strawberry.field(description="1 to 10000 (100%); all owners together at most 10000.")


@strawberry.input
class KycBusinessInput:
    company_name: str
    registration_number: str
    incorporation_country: str
    incorporation_date: str = strawberry.field(description="YYYY-MM-DD.")
    beneficial_owners: list[KycBeneficialOwnerInput]


@strawberry.input(description="Identity data of one customer. Business customers send `business`; individuals a dateOfBirth.")
class KycSubmitInput:
    customer_id: strawberry.ID
    legal_name: str
    nationality: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    id_type: str = strawberry.field(description="PASSPORT, NATIONAL_ID, DRIVING_LICENCE, RESIDENCE_PERMIT; businesses also COMPANY_REGISTRATION.")
    id_number: str
    address: str
    documents: list[KycDocumentInput]
    date_of_birth: str | None = strawberry.field(default=None, description="YYYY-MM-DD; required for individuals.")
    business: KycBusinessInput | None = None


@strawberry.input
class KycReviewInput:
    submission_id: strawberry.ID
    decision: KycDecision
    reason: str = strawberry.field(description="1 to 1000 characters; kept in the audit trail.")
    tier: int | None = strawberry.field(default=None, description="Required to APPROVE: the tier granted.")


@strawberry.input
class KycRevealInput:
    submission_id: strawberry.ID
    field: KycPiiField
    reason: str = strawberry.field(description="Why you need the value in clear (10 to 1000 characters); audited.")


@strawberry.type
class KycSubmitPayload:
    submission: KycSubmission | None
    user_errors: list[UserError]


@strawberry.type
class KycReviewPayload:
    submission: KycSubmission | None
    user_errors: list[UserError]


@strawberry.type
class KycRevealPayload:
    submission: KycSubmission | None
    field: KycPiiField | None
    value: str | None = strawberry.field(description="In clear. BUSINESS: the company data as JSON.")
    user_errors: list[UserError]


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
        documents=[DocumentIn(type=d.type, sha256=d.sha256, file_name=d.file_name) for d in input.documents],
    )


def _quoted(text: str) -> str:
    """Caller text as a JSON string for the audit detail: control characters escaped (PostgreSQL text
    refuses NUL), and a reason cannot pass itself off as another key=value of the detail."""
    return json.dumps(text, ensure_ascii=False)


def _view(model: Any) -> KycSubmission | None:
    return KycSubmission.from_model(model) if model is not None else None


@strawberry.type
class KycQueries:
    @strawberry.field(
        permission_classes=requires("kyc:read"),
        description="Oldest first. Staff see every partner's (status: PENDING is the review queue); partners their customers'.",
    )
    async def kyc_submissions(
        self, info: Info, status: KycStatus | None = None, customer_id: strawberry.ID | None = None,
        first: int | None = 20, after: str | None = None,
    ) -> Connection[KycSubmission]:
        page = await views.list_submissions(
            principal=info.context.principal, status=status.value if status is not None else None,
            customer_id=global_id_to_uuid(customer_id, "Customer"), customer_given=customer_id is not None,
            first=first, after=after,
        )
        return Connection.from_page(page, KycSubmission.from_model)

    @strawberry.field(permission_classes=requires("kyc:read"))
    async def kyc_submission(self, info: Info, id: strawberry.ID) -> KycSubmission | None:
        model = await views.get_submission(principal=info.context.principal, submission_id=global_id_to_uuid(id, "KycSubmission"))
        return KycSubmission.from_model(model)


@strawberry.type
class KycMutations:
    @strawberry.mutation(permission_classes=requires_partner("kyc:write"), description="The customer's KYC status becomes PENDING.")
    async def kyc_submit(self, info: Info, input: KycSubmitInput) -> KycSubmitPayload:
        model, errors = await attempt(info, submit_kyc(
            principal=info.context.principal, customer_id=global_id_to_uuid(input.customer_id, "Customer"),
            application=_application(input),
        ))
        return KycSubmitPayload(submission=_view(model), user_errors=errors)

    @strawberry.mutation(permission_classes=requires("kyc:review"), description="Compliance only.")
    async def kyc_review(self, info: Info, input: KycReviewInput) -> KycReviewPayload:
        model, errors = await attempt(
            info,
            review_kyc(principal=info.context.principal, submission_id=global_id_to_uuid(input.submission_id, "KycSubmission"),
                       decision=input.decision.value, reason=input.reason, tier=input.tier),
            detail=f"submission={_quoted(input.submission_id)} decision={input.decision.value} tier={input.tier} reason={_quoted(input.reason)}",
        )
        return KycReviewPayload(submission=_view(model), user_errors=errors)

    @strawberry.mutation(permission_classes=requires("pii:reveal"), description="Compliance only: one value in clear, audited with your reason.")
    async def kyc_reveal(self, info: Info, input: KycRevealInput) -> KycRevealPayload:
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
