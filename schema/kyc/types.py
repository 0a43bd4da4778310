"""GraphQL types of KYC submissions: identity values are masked to their last four characters."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.common.context import Info
from schema.common.enums import CustomerKind, KycStatus
from schema.common.permissions import requires
from schema.common.relay import Node, to_global_id
from services.kyc import KycSubmission as KycSubmissionModel
from services.kyc import views

if TYPE_CHECKING:
    from schema.customers.types import Customer


@strawberry.enum(description="A reviewer's decision on a PENDING submission.")
class KycDecision(Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    NEEDS_INFO = "NEEDS_INFO"


@strawberry.enum(description="An identity value of a submission, for kycReveal.")
class KycPiiField(Enum):
    LEGAL_NAME = "LEGAL_NAME"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    ID_NUMBER = "ID_NUMBER"
    ADDRESS = "ADDRESS"
    BUSINESS = "BUSINESS"


@strawberry.type(description="A document's fingerprint: the file stays with the partner.")
class KycDocument:
    type: str
    sha256: str
    file_name: str


@strawberry.type(description="A beneficial owner; name and date of birth masked.")
class KycBeneficialOwner:
    legal_name: str
    date_of_birth: str
    nationality: str
    ownership_bps: int


@strawberry.type(description="Company data of a business customer; name, number and date masked.")
class KycBusiness:
    company_name: str
    registration_number: str
    incorporation_country: str
    incorporation_date: str
    beneficial_owners: list[KycBeneficialOwner]


@strawberry.type(description="What watchlist screening found at submission (list and entry ids, no names).")
class KycScreening:
    hit: bool
    score_bps: int | None = strawberry.field(description="Match strength, 0 to 10000.")
    list_id: str | None
    entry_id: str | None
    party: str | None = strawberry.field(description="subject, or beneficialOwners.N for a business's owner.")


def _screening(summary: dict[str, Any] | None) -> KycScreening | None:
    if not summary:
        return None
    score, entry = summary.get("score"), summary.get("entryId")
    return KycScreening(
        hit=bool(summary.get("hit")), score_bps=int(score) if score is not None else None,
        list_id=summary.get("listId"), entry_id=str(entry) if entry is not None else None, party=summary.get("party"),
    )


@strawberry.type(description="One KYC submission of a customer and its review. Identity values are masked.")
class KycSubmission(Node):
    status: KycStatus
    subject_kind: CustomerKind
    nationality: str
    id_type: str
    documents: list[KycDocument]
    tier_granted: int | None
    submitted_at: datetime
    reviewed_at: datetime | None
    _model: strawberry.Private[KycSubmissionModel]

    @classmethod
    def from_model(cls, model: KycSubmissionModel) -> KycSubmission:
        """The GraphQL view of a submission row (identity values are decrypted and masked per field)."""
        return cls(
            id=to_global_id("KycSubmission", model.id),
            status=KycStatus(model.status),
            subject_kind=CustomerKind(model.subject_kind),
            nationality=model.nationality,
            id_type=model.id_type,
            documents=[KycDocument(type=d["type"], sha256=d["sha256"], file_name=d["fileName"]) for d in model.documents],
            tier_granted=model.tier_granted,
            submitted_at=model.submitted_at,
            reviewed_at=model.reviewed_at,
            _model=model,
        )

    @strawberry.field(description="Masked: only the last four characters.")
    async def legal_name(self) -> str | None:
        return await views.masked(self._model, "LEGAL_NAME")

    @strawberry.field(description="Masked; null for a business that sent none.")
    async def date_of_birth(self) -> str | None:
        return await views.masked(self._model, "DATE_OF_BIRTH")

    @strawberry.field(description="Masked: only the last four characters.")
    async def id_number(self) -> str | None:
        return await views.masked(self._model, "ID_NUMBER")

    @strawberry.field(description="Masked: only the last four characters.")
    async def address(self) -> str | None:
        return await views.masked(self._model, "ADDRESS")

    @strawberry.field(description="Business customers only; masked.")
    async def business(self) -> KycBusiness | None:
        data = await views.masked_business(self._model)
        if data is None:
            return None
        owners = [KycBeneficialOwner(legal_name=o.legal_name, date_of_birth=o.date_of_birth, nationality=o.nationality,
                                     ownership_bps=o.ownership_bps) for o in data.beneficial_owners]
        return KycBusiness(company_name=data.company_name, registration_number=data.registration_number,
                           incorporation_country=data.incorporation_country, incorporation_date=data.incorporation_date,
                           beneficial_owners=owners)

    @strawberry.field(description="The reviewer's reason: staff always; partners only when more information is asked for.")
    def review_reason(self, info: Info) -> str | None:
        return views.visible_review_reason(info.context.principal, self._model)

    @strawberry.field(permission_classes=requires("aml:read"), description="Bank staff only (admin, compliance).")
    def screening(self) -> KycScreening | None:
        return _screening(self._model.screening)

    @strawberry.field(permission_classes=requires("customers:read"))
    async def customer(self, info: Info) -> Annotated["Customer", strawberry.lazy("schema.customers.types")] | None:
        from schema.customers.types import Customer

        model = await info.context.loaders.customer.load(self._model.customer_id)  # type: ignore[attr-defined]
        return Customer.from_record(model) if model is not None else None
