"""Business members (issue 16 part 5): who acts for a BUSINESS customer, with which role; add, remove, list.

Who may act for a business, by token:
- the partner's own token: everything but what needs a member's identity (making, approving or rejecting payout
  requests); the partner onboards the business and adds its first OWNER;
- a member's customer token: what its member's CURRENT role allows (services.business.member_permissions), as long
  as the member is ACTIVE: a removed member's tokens still verify until they expire, but act for nobody;
- the business's own customer token without a member: reads only;
- bank staff: reads only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer
from models.business import BusinessMember
from models.enums import CustomerKind, CustomerStatus
from services import clock, scoping
from services.authority import is_staff
from services.business.member_permissions import MemberAction, MemberRole, parse_role, require_action
from services.business.records import MemberRecord
from services.db.sql import execute, fetch, is_postgres
from services.errors import (
    CustomerStateConflict, LastOwner, MemberRoleForbidden, NotFound, ValidationFailed,
)
from services.events import record_domain_event
from services.pagination import Page, keyset_page, map_page
from services.validation import clean_name

ACTIVE, REMOVED = "ACTIVE", "REMOVED"
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class Actor:
    """Who acts for the business in this call: the partner (member None) or one of its members."""

    customer: Customer
    member: BusinessMember | None

    @property
    def member_id(self) -> uuid.UUID | None:
        """The acting member's id (None: the partner's own token)."""
        return self.member.id if self.member is not None else None


async def business_customer(principal: Principal, customer_id: uuid.UUID | None, *, field: list[str]) -> Customer:
    """A BUSINESS customer the caller may see (another partner's or customer's: NOT_FOUND), still ACTIVE."""
    customer = await scoping.get_scoped(Customer, principal, customer_id, what="customer", field=field)
    if customer.kind != CustomerKind.BUSINESS:
        raise ValidationFailed("the customer is not a BUSINESS customer", field=field)
    if customer.status != CustomerStatus.ACTIVE:
        raise CustomerStateConflict("the customer is closed", field=field)
    return customer


async def acting_member(principal: Principal, customer_id: uuid.UUID) -> BusinessMember | None:
    """The ACTIVE member a member token acts as (None for a token without a member); MEMBER_ROLE_FORBIDDEN if gone."""
    if principal.member_id is None or scoping.token_customer(principal) is None:
        return None
    member = await scoping.of_tenant(BusinessMember, principal.partner_id).get_or_none(
        id=principal.member_id, customer_id=customer_id, status=ACTIVE)
    if member is None:
        raise MemberRoleForbidden("this member was removed from the business: its tokens act for nobody")
    return member


async def active_member_of(customer: Customer, member_id: uuid.UUID | None, *, field: list[str]) -> BusinessMember:
    """An ACTIVE member of this business customer (a removed one, or another business's: NOT_FOUND)."""
    member = await BusinessMember.get_or_none(id=member_id, customer_id=customer.id, status=ACTIVE) \
        if member_id is not None else None
    if member is None:
        raise NotFound("member not found", field=field)
    return member


async def authorize(principal: Principal, customer_id: uuid.UUID | None, action: MemberAction, *,
                    field: list[str], needs_member: bool = False) -> Actor:
    """The business and who acts for it, if the caller may do `action` (see the module's rules)."""
    customer = await business_customer(principal, customer_id, field=field)
    member = await acting_member(principal, customer.id)
    if member is not None:
        require_action(member.role, action)
        return Actor(customer=customer, member=member)
    if needs_member:
        raise MemberRoleForbidden("this action needs a business member's token (customerTokenCreate with memberId)")
    if action is not MemberAction.VIEW and (scoping.token_customer(principal) is not None or is_staff(principal)):
        raise MemberRoleForbidden("only the partner's own token or a member's token with the right role may do this")
    return Actor(customer=customer, member=None)


async def add_member(*, principal: Principal, customer_id: uuid.UUID | None, name: str | None,
                     role: str | None) -> MemberRecord:
    """Add a member to a business (business_member.added); only an OWNER member adds an OWNER."""
    cleaned_name = clean_name(name, field="name", max_len=MAX_NAME_LENGTH)
    chosen = parse_role(role, field=["role"])
    actor = await authorize(principal, customer_id, MemberAction.MANAGE_MEMBERS, field=["customerId"])
    _check_owner_change(actor, chosen, field=["role"])
    async with in_transaction() as conn:
        row = await BusinessMember.create(partner_id=actor.customer.partner_id, customer_id=actor.customer.id,  # type: ignore[attr-defined]
                                          name=cleaned_name, role=chosen.value, status=ACTIVE, created_at=clock.now(),
                                          using_db=conn)
        await _announce(conn, "business_member.added", row)
    return MemberRecord.of(row)


def _check_owner_change(actor: Actor, role: MemberRole | str, *, field: list[str]) -> None:
    """An ADMIN manages members, but only an OWNER (or the partner) adds or removes an OWNER: no self-promotion."""
    if role == MemberRole.OWNER and actor.member is not None and actor.member.role != MemberRole.OWNER.value:
        raise MemberRoleForbidden("only an OWNER adds or removes an OWNER", field=field)


async def remove_member(*, principal: Principal, member_id: uuid.UUID | None) -> MemberRecord:
    """Remove a member (its tokens act for nobody from now on; business_member.removed); never the last OWNER."""
    row = await _visible_member(principal, member_id, field=["memberId"])
    actor = await authorize(principal, row.customer_id, MemberAction.MANAGE_MEMBERS, field=["memberId"])  # type: ignore[attr-defined]
    if row.status != ACTIVE:
        raise NotFound("member not found", field=["memberId"])
    _check_owner_change(actor, row.role, field=["memberId"])
    now = clock.now()
    async with in_transaction() as conn:
        # One member change of a business at a time (the customer row is the lock): two concurrent removals of its
        # two OWNERs would otherwise each see the other still there and leave none.
        await lock_business(conn, row.customer_id)  # type: ignore[attr-defined]
        # The conditional update is the claim: of two concurrent removals one finds it ACTIVE.
        changed = await execute(conn, "UPDATE business_member SET status = $1, removed_at = $2 WHERE id = $3"
                                      " AND status = $4", [REMOVED, now, row.id, ACTIVE])
        if changed != 1:
            raise NotFound("member not found", field=["memberId"])
        if row.role == MemberRole.OWNER.value:
            owners = await BusinessMember.filter(customer_id=row.customer_id, role=MemberRole.OWNER.value,  # type: ignore[attr-defined]
                                                 status=ACTIVE).using_db(conn).count()
            if owners == 0:
                raise LastOwner("the business's last OWNER cannot be removed: add another OWNER first",
                                field=["memberId"])
        row = await BusinessMember.get(id=row.id).using_db(conn)
        await _announce(conn, "business_member.removed", row)
    return MemberRecord.of(row)


async def _visible_member(principal: Principal, member_id: uuid.UUID | None, *, field: list[str]) -> BusinessMember:
    """A member of a business the caller may see (NOT_FOUND otherwise)."""
    row = await BusinessMember.get_or_none(id=member_id) if member_id is not None else None
    if row is None or not scoping.sees_row(principal, partner_id=row.partner_id, customer_id=row.customer_id):  # type: ignore[attr-defined]
        raise NotFound("member not found", field=field)
    return row


async def get_member(*, principal: Principal, member_id: uuid.UUID | None) -> MemberRecord:
    """One member the caller may read (node(id:))."""
    row = await _visible_member(principal, member_id, field=["id"])
    await authorize(principal, row.customer_id, MemberAction.VIEW, field=["id"])  # type: ignore[attr-defined]
    return MemberRecord.of(row)


async def list_members(*, principal: Principal, customer_id: uuid.UUID | None, include_removed: bool,
                       first: int | None, after: str | None) -> Page[MemberRecord]:
    """A business's members, oldest first (ACTIVE only unless include_removed)."""
    actor = await authorize(principal, customer_id, MemberAction.VIEW, field=["customerId"])
    query = scoping.of_tenant(BusinessMember, actor.customer.partner_id).filter(customer_id=actor.customer.id)  # type: ignore[attr-defined]
    if not include_removed:
        query = query.filter(status=ACTIVE)
    return map_page(await keyset_page(query, first=first, after=after), MemberRecord.of)


async def _announce(conn: BaseDBAsyncClient, event: str, row: BusinessMember) -> None:
    """business_member.added / .removed for the business's partner (ids and the role only: no name)."""
    await record_domain_event(
        type=event, partner_id=row.partner_id, object_type="BusinessMember", object_id=row.id,  # type: ignore[attr-defined]
        payload={"memberId": str(row.id), "customerId": str(row.customer_id), "role": row.role},  # type: ignore[attr-defined]
        using_db=conn,
    )


async def lock_business(conn: BaseDBAsyncClient, customer_id: uuid.UUID) -> None:
    """Lock the business's customer row until the transaction ends (PostgreSQL; SQLite has one writer anyway)."""
    if is_postgres(conn):
        await fetch(conn, "SELECT id FROM customer WHERE id = $1 FOR UPDATE", [customer_id])
