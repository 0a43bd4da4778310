"""Bulk payout lines against the database: does each beneficiary exist for this partner and can it be paid?

A wallet beneficiary must be one of the caller's partner's wallets (another partner's answers NOT_FOUND, like a
missing one), in the paying wallet's currency (CURRENCY_MISMATCH), ACTIVE (WALLET_NOT_ACTIVE) and not the paying
wallet itself (SAME_WALLET). A bank account beneficiary must be a linked account of the paying business itself
(anyone else's: NOT_FOUND), VERIFIED and in the wallet's currency (FUNDING_SOURCE_NOT_USABLE): it is paid as a
withdrawal through the payment rail. Lookups are a few statements for the whole file, not one per line.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from models import BankAccount, Wallet
from models.enums import WalletStatus
from models.funding import BankAccountStatus
from services.business.bulk_csv import BANK_ACCOUNT, WALLET, LineError, ParsedLine

_CHUNK = 900  # ids per IN (...) list: well below every backend's parameter limit


async def _rows(model: type, ids: list[uuid.UUID], **filters: object) -> dict[uuid.UUID, dict]:
    """id -> (currency, status) of the rows among ids that match the filters."""
    found: dict[uuid.UUID, dict] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = await model.filter(id__in=ids[start:start + _CHUNK], **filters).values("id", "currency", "status")  # type: ignore[attr-defined]
        found.update({row["id"]: row for row in rows})
    return found


def _status(value: object) -> str:
    """An enum column's value as its name."""
    return str(getattr(value, "value", value))


def _wallet_error(line: ParsedLine, row: dict | None, paying: Wallet) -> LineError | None:
    """Why a wallet beneficiary cannot be paid, or None."""
    if row is None:
        return LineError("NOT_FOUND", "no such wallet")
    if line.beneficiary_id == paying.id:
        return LineError("SAME_WALLET", "the beneficiary is the paying wallet itself")
    if row["currency"] != paying.currency:
        return LineError("CURRENCY_MISMATCH", f"the beneficiary wallet holds {row['currency']}, not {paying.currency}")
    if _status(row["status"]) != WalletStatus.ACTIVE.value:
        return LineError("WALLET_NOT_ACTIVE", "the beneficiary wallet is not ACTIVE")
    return None


def _bank_error(row: dict | None, paying: Wallet) -> LineError | None:
    """Why a linked bank account beneficiary cannot be paid, or None."""
    if row is None:
        return LineError("NOT_FOUND", "no such linked bank account of this business")
    if _status(row["status"]) != BankAccountStatus.VERIFIED.value or row["currency"] != paying.currency:
        return LineError("FUNDING_SOURCE_NOT_USABLE",
                         f"the bank account must be VERIFIED and in {paying.currency} to receive a payout")
    return None


async def check_beneficiaries(lines: list[ParsedLine], *, paying: Wallet) -> list[ParsedLine]:
    """The lines with each beneficiary checked (a line already in error stays as it is)."""
    partner_id, customer_id = paying.partner_id, paying.customer_id  # type: ignore[attr-defined]
    wallet_ids = sorted({ln.beneficiary_id for ln in lines if ln.error is None and ln.beneficiary_kind == WALLET})  # type: ignore[type-var]
    bank_ids = sorted({ln.beneficiary_id for ln in lines if ln.error is None and ln.beneficiary_kind == BANK_ACCOUNT})  # type: ignore[type-var]
    wallets = await _rows(Wallet, wallet_ids, partner_id=partner_id)
    banks = await _rows(BankAccount, bank_ids, partner_id=partner_id, customer_id=customer_id)
    out = []
    for line in lines:
        if line.error is None:
            if line.beneficiary_kind == WALLET:
                error = _wallet_error(line, wallets.get(line.beneficiary_id), paying)  # type: ignore[arg-type]
            else:
                error = _bank_error(banks.get(line.beneficiary_id), paying)  # type: ignore[arg-type]
            if error is not None:
                line = replace(line, error=error)
        out.append(line)
    return out
