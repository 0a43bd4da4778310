"""pointsProgramCreate: a partner's (or the bank's) points programme, its ledger accounts, and customers' points accounts.

A programme owns four kinds of ledger account in its unit (exponent 0): ISSUANCE (the source: every earned point is
debited from it), each customer's POINTS account (balance tracked and locked like a wallet's), and the REDEEMED and
EXPIRED sinks. Every points posting moves points between these only, so per programme
-issuance = outstanding + redeemed + expired, which `qianbao ledger verify` checks (services.ledger.verify).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Account, Customer, PointsAccount, PointsProgram, Wallet
from models.enums import AccountKind, WalletStatus
from services.audit import AuditNote, record_event
from services.caches import POINTS_PROGRAMS
from services.authority import is_staff, require_partner_token
from services.errors import Forbidden, NotFound, ValidationFailed
from services.money import parse_amount
from services.points.records import ProgramRecord
from services.points.units import checked_unit_code, ledger_unit
from services.scoping import of_partner
from services.validation import clean_name

PERMISSION = "fees:write"  # staff: the bank's programmes are priced terms, as fee rules are (admin)
MAX_EXPIRY_MONTHS = 120


@dataclass(frozen=True)
class ProgramTerms:
    """pointsProgramCreate's input, unchecked."""

    name: str
    unit_code: str
    value_amount: str  # per point, a decimal string in value_currency
    value_currency: str
    expiry_months: int
    funding_wallet_id: uuid.UUID | None
    partner_id: uuid.UUID | None = None


def _owner(principal: Principal, partner_id: uuid.UUID | None) -> uuid.UUID | None:
    """The partner the programme belongs to: a partner's own (never another's), or the bank's (staff, None)."""
    if is_staff(principal, PERMISSION):
        return partner_id
    require_partner_token(principal)
    if partner_id is not None and not of_partner(principal.partner_id, partner_id):
        raise Forbidden("a partner creates programmes of its own only")
    return principal.partner_id


async def create_program(*, principal: Principal, terms: ProgramTerms, audit: AuditNote | None = None) -> ProgramRecord:
    """Create a programme, its ISSUANCE, REDEEMED and EXPIRED accounts and its POINTS_RESERVE (all or nothing)."""
    if is_staff(principal) and not is_staff(principal, PERMISSION):
        raise Forbidden(f"this operation needs the {PERMISSION} scope")
    owner = _owner(principal, terms.partner_id)
    name = clean_name(terms.name, field="name", max_len=100, required=True)
    unit = checked_unit_code(terms.unit_code)
    currency = terms.value_currency.strip().upper() if isinstance(terms.value_currency, str) else ""
    value_minor = parse_amount(terms.value_amount, currency, field=["valuePerPoint", "amount"])
    if not isinstance(terms.expiry_months, int) or not 1 <= terms.expiry_months <= MAX_EXPIRY_MONTHS:
        raise ValidationFailed(f"expiryMonths must be 1 to {MAX_EXPIRY_MONTHS}", field=["expiryMonths"])
    wallet = await Wallet.get_or_none(id=terms.funding_wallet_id) if terms.funding_wallet_id else None
    if wallet is None or (owner is not None and not of_partner(owner, wallet.partner_id)):  # type: ignore[attr-defined]
        raise NotFound("funding wallet not found (a partner's programme is funded from one of its wallets)",
                       field=["fundingWalletId"])
    if wallet.currency != currency or wallet.status != WalletStatus.ACTIVE:
        raise ValidationFailed("the funding wallet must be ACTIVE and hold the value currency", field=["fundingWalletId"])
    async with in_transaction() as conn:
        # Programme accounts derive their balance from entries, as the bank's system accounts do: they take the
        # other side of every points posting, so they are never locked (only customers' POINTS accounts are).
        issuance, redeemed, expired = [
            await Account.create(kind=kind, currency=ledger_unit(unit), partner_id=owner, tracks_balance=False, using_db=conn)
            for kind in (AccountKind.POINTS_ISSUANCE, AccountKind.POINTS_REDEEMED, AccountKind.POINTS_EXPIRED)
        ]
        # The reserve holds money, in the value currency: what earned points were funded with (services.points.reserve).
        reserve = await Account.create(kind=AccountKind.POINTS_RESERVE, currency=currency, partner_id=owner,
                                       tracks_balance=False, using_db=conn)
        program = await PointsProgram.create(
            partner_id=owner, name=name, unit_code=unit, value_currency=currency, value_minor_per_point=value_minor,
            expiry_months=terms.expiry_months, funding_wallet_id=wallet.id, issuance_account_id=issuance.id,
            redeemed_account_id=redeemed.id, expired_account_id=expired.id, reserve_account_id=reserve.id, using_db=conn,
        )
        if audit is not None:
            await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="PointsProgram",
                               object_id=str(program.id), request_id=audit.request_id, partner_id=owner)
    return ProgramRecord.of(program, audited=audit is not None)


async def program_row(program_id: uuid.UUID) -> PointsProgram | None:
    """A programme's row, read once per process: nothing changes a programme after pointsProgramCreate (POINTS_PROGRAMS).

    Every points payment and redemption reads its programme: this saves that query. Callers only read the row."""
    program = POINTS_PROGRAMS.get(program_id)
    if program is None:
        program = await PointsProgram.get_or_none(id=program_id)
        if program is not None:
            POINTS_PROGRAMS.put(program_id, program)
    return program


async def visible_program(principal: Principal, program_id: uuid.UUID | None, *, field: str = "programId") -> PointsProgram:
    """A programme the caller may use: staff any, a partner (or its customer token) its own and the bank's."""
    program = await program_row(program_id) if program_id else None
    if program is None or not (is_staff(principal) or program.partner_id is None  # type: ignore[attr-defined]
                               or of_partner(principal.partner_id, program.partner_id)):  # type: ignore[attr-defined]
        raise NotFound("points programme not found", field=[field])
    return program


async def managed_program(principal: Principal, program_id: uuid.UUID | None) -> PointsProgram:
    """A programme the caller may manage (its rules): staff with the permission any, a partner its own only."""
    program = await program_row(program_id) if program_id else None
    if program is not None and is_staff(principal, PERMISSION):
        return program
    if is_staff(principal):
        raise Forbidden(f"this operation needs the {PERMISSION} scope")
    require_partner_token(principal)
    if program is None or program.partner_id is None or not of_partner(principal.partner_id, program.partner_id):  # type: ignore[attr-defined]
        raise NotFound("points programme not found", field=["programId"])
    return program


async def points_account_id(program: PointsProgram, customer: Customer) -> int:
    """The customer's POINTS account in the programme (ledger account id), created once, outside any posting."""
    row = await PointsAccount.get_or_none(program_id=program.id, customer_id=customer.id)
    if row is not None:
        return row.account_id  # type: ignore[attr-defined]
    try:
        async with in_transaction() as conn:
            account = await Account.create(kind=AccountKind.POINTS, currency=ledger_unit(program.unit_code),
                                           partner_id=customer.partner_id, using_db=conn)  # type: ignore[attr-defined]
            row = await PointsAccount.create(program_id=program.id, customer_id=customer.id, account_id=account.id,
                                             using_db=conn)
    except IntegrityError:
        row = await PointsAccount.get(program_id=program.id, customer_id=customer.id)  # created meanwhile
    return row.account_id  # type: ignore[attr-defined]
