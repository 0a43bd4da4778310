"""Account management of customers: customerUpdate, customerLimitsSet, customerClose."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import global_id_to_uuid
from schema.common.scalars import Decimal
from schema.customers.account_types import CustomerOwnLimit
from schema.customers.types import Customer
from services import customer_closing, customer_profile
from services.compliance import customer_limits
from services.customer_profile import UNCHANGED, ProfileChanges
from services.customers import CustomerRecord


def _given(value: Any) -> Any:
    """An input field the caller left out is UNCHANGED for the service; null stays None (clear it)."""
    return UNCHANGED if value is strawberry.UNSET else value


@strawberry.input(description="What customerUpdate changes: leave a field out to keep it; name at least one.")
class CustomerUpdateInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer (a customer token: only itself).")
    display_name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="1 to 200 characters; screened against the watchlists as at customerCreate. The partner's own"
        " token only (FORBIDDEN for a customer token); null is a VALIDATION error (a name changes, it does not go).",
    )
    email: str | None = strawberry.field(default=strawberry.UNSET, description="An e-mail address; null removes it.")
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description="E.164, e.g. +8613800138000; null removes it."
    )
    address: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The postal address, up to 500 characters (lines allowed); stored encrypted and shown masked."
        " null removes it.",
    )


@strawberry.type(description="The result of customerUpdate.")
class CustomerUpdatePayload:
    customer: Customer | None = strawberry.field(description="The customer as changed; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was changed (empty on success).")


@strawberry.input(description="Limits a customer sets itself in one currency: leave a field out to keep it.")
class CustomerLimitsSetInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer (a customer token: only itself).")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. CNY.")
    daily: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET,
        description="At most this much sent a day, e.g. \"200.00\" (\"0\" stops outgoing payments); not above the"
        " tier's daily limit (LIMIT_EXCEEDED). null removes the customer's own daily limit.",
    )
    per_transaction: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET,
        description="At most this much in one payment; not above the tier's single-transaction limit"
        " (LIMIT_EXCEEDED). null removes it.",
    )


@strawberry.type(description="The result of customerLimitsSet.")
class CustomerLimitsSetPayload:
    customer: Customer | None = strawberry.field(
        description="The customer: its limits field shows what now applies and what remains."
    )
    own_limit: CustomerOwnLimit | None = strawberry.field(
        description="The customer's own limits in the currency now; null when it has none left (or when refused)."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing was changed (empty on success).")


@strawberry.input(description="customerClose: close a customer for good.")
class CustomerCloseInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer; every one of its wallets must be closed.")
    reason: str | None = strawberry.field(
        default=None, description="Why, up to 500 characters: kept in the bank's audit log, not shown to the customer."
    )


@strawberry.type(description="The result of customerClose.")
class CustomerClosePayload:
    customer: Customer | None = strawberry.field(description="The customer, now CLOSED; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was changed (empty on success).")


def _customer(record: CustomerRecord | None) -> Customer | None:
    return Customer.from_record(record) if record is not None else None


@strawberry.type
class CustomerAccountMutations:
    @strawberry.mutation(
        permission_classes=requires("customers:write"),
        description="Change a customer's display name, e-mail, phone or postal address. Needs customers:write (a"
        " customer token changes only its own e-mail, phone and address); userErrors: VALIDATION, NOT_FOUND,"
        " INVALID_STATE (customer CLOSED).",
    )
    async def customer_update(
        self, info: Info,
        input: Annotated[CustomerUpdateInput, strawberry.argument(
            description="The customer and the fields to change."
        )],
    ) -> CustomerUpdatePayload:
        changes = ProfileChanges(
            display_name=_given(input.display_name), email=_given(input.email), phone=_given(input.phone),
            address=_given(input.address),
        )
        record, errors = await attempt(info, customer_profile.update_customer(
            principal=info.context.principal, customer_id=global_id_to_uuid(input.customer_id, "Customer"), changes=changes,
        ), detail=f"customerId={input.customer_id} fields={','.join(changes.named())}")
        return CustomerUpdatePayload(customer=_customer(record), user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("customers:write"),
        description="A customer lowers its own daily and per-transaction limits in a currency (never above its tier's);"
        " payments must fit the lower of the two. Needs customers:write (a customer token sets only its own);"
        " userErrors: VALIDATION, INVALID_AMOUNT, UNSUPPORTED_CURRENCY, KYC_REQUIRED (a currency its tier does not"
        " cover), LIMIT_EXCEEDED, NOT_FOUND, INVALID_STATE (customer CLOSED).",
    )
    async def customer_limits_set(
        self, info: Info,
        input: Annotated[CustomerLimitsSetInput, strawberry.argument(
            description="The customer, the currency and its own limits."
        )],
    ) -> CustomerLimitsSetPayload:
        change, errors = await attempt(info, customer_limits.set_own_limits(
            principal=info.context.principal, customer_id=global_id_to_uuid(input.customer_id, "Customer"),
            currency=input.currency, daily=_given(input.daily), per_transaction=_given(input.per_transaction),
        ), detail=f"customerId={input.customer_id} currency={input.currency} daily={input.daily}"
                  f" perTransaction={input.per_transaction}")
        if change is None:
            return CustomerLimitsSetPayload(customer=None, own_limit=None, user_errors=errors)
        return CustomerLimitsSetPayload(
            customer=_customer(change.customer),
            own_limit=CustomerOwnLimit.of(change.limit) if change.limit is not None else None, user_errors=errors,
        )

    @strawberry.mutation(
        permission_classes=requires_partner("customers:write"),
        description="Close a customer for good once every one of its wallets is closed (walletClose) and no KYC"
        " submission waits for review; its data and history stay readable. The partner's own token with"
        " customers:write; userErrors: VALIDATION, NOT_FOUND, INVALID_STATE (already CLOSED, or a wallet still"
        " ACTIVE or FROZEN), KYC_PENDING.",
    )
    async def customer_close(
        self, info: Info,
        input: Annotated[CustomerCloseInput, strawberry.argument(
            description="The customer to close, and why."
        )],
    ) -> CustomerClosePayload:
        record, errors = await attempt(info, customer_closing.close_customer(
            principal=info.context.principal, customer_id=global_id_to_uuid(input.customer_id, "Customer"),
            reason=input.reason, audit=audit_note(info),
        ), detail=f"customerId={input.customer_id}")
        return CustomerClosePayload(customer=_customer(record), user_errors=errors)
