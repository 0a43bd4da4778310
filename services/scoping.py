"""The one path through which partner-owned rows are read.

Every query for partner data starts here. A partner sees only its own rows
(another partner's object is indistinguishable from one that does not
exist); a customer token sees only that customer's rows; bank staff read
across partners, and their role decides which reads they may make at all.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from auth.principal import Principal
from models import BankAccount, Card, Customer, Entry, KycSubmission, Merchant, PaymentCode, PaymentRequest, RailTransfer, Transaction, Wallet
from models import Partner
from models import FxQuote
from models import Beneficiary, InternationalTransfer  # issue 14 part 7 (helper A)
from services.errors import NotFound

M = TypeVar("M", bound=Model)


def partner_scoped(model: type[M], principal: Principal) -> QuerySet[M]:
    """All rows of a partner-owned model that the principal may read."""
    if principal.is_staff:
        return model.all()
    if principal.partner_id is None:
        return model.filter(partner_id=uuid.UUID(int=0))  # no partner: sees nothing
    query = model.filter(partner_id=principal.partner_id)
    if principal.is_customer:
        query = query.filter(_customer_filter(model, principal.customer_id))
    return query


def _customer_filter(model: type[Model], customer_id: uuid.UUID | None) -> Q:
    if model is Customer:
        return Q(id=customer_id)
    if model is Wallet or model is KycSubmission:  # a frontend reads its own customer's KYC submissions (masked)
        return Q(customer_id=customer_id)
    if model is Transaction:
        return Q(from_wallet__customer_id=customer_id) | Q(to_wallet__customer_id=customer_id)
    if model is Entry:
        return Q(transaction__from_wallet__customer_id=customer_id) | Q(transaction__to_wallet__customer_id=customer_id)
    if model is Merchant:  # a business customer's own app sees its merchants (issue 13)
        return Q(customer_id=customer_id)
    if model is PaymentRequest:
        return Q(merchant__customer_id=customer_id)
    if model is PaymentCode:  # a customer's app reads the payment codes of its own wallets
        return Q(wallet__customer_id=customer_id)
    if model is RailTransfer:  # a customer's app reads the top-ups and withdrawals of its own wallets
        return Q(wallet__customer_id=customer_id)
    if model is BankAccount or model is Card:  # a customer's app reads its own linked funding sources
        return Q(customer_id=customer_id)
    if model is FxQuote:  # a customer's app reads the FX quotes given to that customer's token
        return Q(customer_id=customer_id)
    if model is Beneficiary or model is InternationalTransfer:  # its own beneficiaries and transfers abroad (issue 14)
        return Q(customer_id=customer_id)
    return Q(partner_id=uuid.UUID(int=0))  # any other model: nothing for customer tokens


def partner_clause(principal: Principal, column: str, first_placeholder: int) -> tuple[str, list[object]]:
    """The raw-SQL form of the partner scope (customer tokens are narrowed by their callers)."""
    if principal.is_staff:
        return "1 = 1", []
    return f"{column} = ${first_placeholder}", [principal.partner_id or uuid.UUID(int=0)]


def tenant_clause(partner_id: uuid.UUID | None, column: str, placeholder: int) -> tuple[str, list[object]]:
    """`column = $n` for one partner's rows (no partner: a clause no row satisfies)."""
    return f"{column} = ${placeholder}", [partner_id or uuid.UUID(int=0)]


def chosen_partner_condition(column: str, placeholder: int) -> str:
    """The SQL text of chosen_partner_clause's narrowing, for statements written before the value is known."""
    return f" AND {column} = ${placeholder}"


def chosen_partner_clause(partner_id: uuid.UUID | None, column: str, placeholder: int) -> tuple[str, list[object]]:
    """` AND column = $n` when staff chose one partner to look at (reports' partnerId), else no narrowing."""
    if partner_id is None:
        return "", []
    return chosen_partner_condition(column, placeholder), [partner_id]


def of_partner(partner_id: uuid.UUID | None, row_partner_id: uuid.UUID | None) -> bool:
    """Whether a row read outside the ORM (a cached fact, say) belongs to the partner (no partner owns nothing)."""
    return partner_id is not None and row_partner_id == partner_id


def may_read_wallet(principal: Principal, partner_id: uuid.UUID, customer_id: uuid.UUID) -> bool:
    """Whether a wallet read outside the ORM (its cached facts) is one partner_scoped(Wallet, principal) would find."""
    if principal.is_staff:
        return True
    return of_partner(principal.partner_id, partner_id) and own_customer(principal, customer_id)


def own_customer(principal: Principal, customer_id: uuid.UUID | None) -> bool:
    """Whether the principal may act for this customer: a customer token only for itself, others for any."""
    return not principal.is_customer or customer_id == principal.customer_id


async def get_scoped(model: type[M], principal: Principal, object_id: uuid.UUID | None, *, what: str, field: list[str] | None = None) -> M:
    """Fetch one readable row by id, or raise NotFound (also for other partners' rows)."""
    if object_id is None:
        raise NotFound(f"{what} not found", field=field)
    row = await partner_scoped(model, principal).get_or_none(id=object_id)
    if row is None:
        raise NotFound(f"{what} not found", field=field)
    return row


def token_customer(principal: Principal) -> uuid.UUID | None:
    """The customer a delegated customer token is narrowed to; None for partner and staff tokens."""
    return principal.customer_id if principal.is_customer else None


def partner_row(partner_id: uuid.UUID | None) -> QuerySet[Partner]:
    """The partner's own record (its settings, or its row to lock), by the caller's partner id; none for no id."""
    return Partner.filter(id=partner_id or uuid.UUID(int=0))


def of_tenant(model: type[M], partner_id: uuid.UUID | None) -> QuerySet[M]:
    """One partner's rows of a model, with no customer narrowing (its idempotency keys, its own settings)."""
    return model.filter(partner_id=partner_id or uuid.UUID(int=0))


def scoped_clause(
    principal: Principal, *, partner_column: str, customer_column: str, first_placeholder: int
) -> tuple[str, list[object]]:
    """The raw-SQL form of partner_scoped for a table with a customer column (placeholders from $first_placeholder).

    Staff read every row; a partner its own rows; a customer token its own customer's rows of its partner.
    """
    if principal.is_staff:
        return "1 = 1", []
    clause, values = tenant_clause(principal.partner_id, partner_column, first_placeholder)
    if not principal.is_customer:
        return clause, values
    customer = f"{customer_column} = ${first_placeholder + len(values)}"
    return f"{clause} AND {customer}", [*values, principal.customer_id or uuid.UUID(int=0)]


def own_customer_clause(
    principal: Principal, *, id_column: str, partner_column: str, first_placeholder: int
) -> tuple[str, list[object]] | None:
    """For a customer token, the raw-SQL clause that picks its own customer's row; None for any other token."""
    if not principal.is_customer:
        return None
    return scoped_clause(principal, partner_column=partner_column, customer_column=id_column, first_placeholder=first_placeholder)


def staff_only(model: type[M], principal: Principal) -> QuerySet[M]:
    """Rows only the bank reads (AML alerts and cases): every row for staff, nothing for anyone else."""
    if principal.is_staff:
        return model.all()
    return model.filter(id=None)


def of_chosen_partner(query: QuerySet[M], partner_id: uuid.UUID) -> QuerySet[M]:
    """A staff read narrowed to the partner the reader asked for (a partnerId filter, not the reader's own scope)."""
    return query.filter(partner_id=partner_id)


def sees_partner(principal: Principal, partner_id: uuid.UUID | None) -> bool:
    """Whether a row owned by this partner (with no customer of its own) is readable: staff any, others their partner's."""
    return principal.is_staff or of_partner(principal.partner_id, partner_id)


def sees_row(principal: Principal, *, partner_id: uuid.UUID | None, customer_id: uuid.UUID | None) -> bool:
    """The Python form of partner_scoped for a fact read outside the ORM (a verified token, say): staff any,
    a partner its own, a customer token only its own customer's."""
    return principal.is_staff or (of_partner(principal.partner_id, partner_id) and own_customer(principal, customer_id))


def of_chosen_partners(query: QuerySet[M], partner_ids: list[uuid.UUID]) -> QuerySet[M]:
    """A scoped read narrowed further to the partners the reader asked for (a loader keyed by partner)."""
    return query.filter(partner_id__in=partner_ids)


def visible_payments(payments: type[M], wallets: type[Model], principal: Principal, *,
                     wallet_column: str = "payer_wallet_id") -> QuerySet[M]:
    """Payments (or authorisations) to merchants a caller may read: staff every one; a partner those it paid or was
    paid through (the payer's side and the merchant's side); a customer token those its own wallets paid."""
    if principal.is_staff:
        return payments.all()
    partner = principal.partner_id or uuid.UUID(int=0)
    if principal.is_customer:
        own = Subquery(wallets.filter(partner_id=partner, customer_id=principal.customer_id).values("id"))
        return payments.filter(partner_id=partner, **{f"{wallet_column}__in": own})
    return payments.filter(Q(partner_id=partner) | Q(merchant_partner_id=partner))


def either_side(payments: type[M], principal: Principal) -> QuerySet[M]:
    """A partner's payments or authorisations on either side (its payer's, or its merchant's); none for others."""
    partner = principal.partner_id or uuid.UUID(int=0)
    return payments.filter(Q(partner_id=partner) | Q(merchant_partner_id=partner))


def merchant_side(payments: type[M], principal: Principal) -> QuerySet[M]:
    """The payments made to a partner's own merchants (what it may refund): none for anyone but a partner."""
    return payments.filter(merchant_partner_id=principal.partner_id or uuid.UUID(int=0))


def events_of_partners(model: type[M], partner_ids: list[uuid.UUID], *, broadcast_types: frozenset[str]) -> QuerySet[M]:
    """Outbox rows for the webhook fan-out: those of the partners that have endpoints, and the broadcast types
    stored without a partner (every partner's)."""
    return model.filter(Q(partner_id__in=partner_ids) | Q(partner_id=None, type__in=sorted(broadcast_types)))


def visible_events(model: type[M], principal: Principal, *, partner_types: frozenset[str], broadcast_types: frozenset[str]) -> QuerySet[M]:
    """Outbox rows a caller may replay: staff every row; a partner its own rows of partner types, and the
    broadcast types stored without a partner (a bank default fee rule concerns every partner)."""
    if principal.is_staff:
        return model.all()
    own = Q(partner_id=principal.partner_id or uuid.UUID(int=0), type__in=sorted(partner_types))
    return model.filter(own | Q(partner_id=None, type__in=sorted(broadcast_types)))
