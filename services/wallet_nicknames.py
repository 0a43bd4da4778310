"""walletNicknameSet: the customer's own name for a wallet ("Holidays"), 1 to 40 characters, or none.

The partner sets it for any of its customers' wallets; a customer's own
token for its own wallets only (another's answers NOT_FOUND). A closed
wallet keeps the nickname it had and takes no new one (INVALID_STATE).
The nickname is the customer's free text: the event says that it changed,
not what it says.
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Wallet
from models.enums import WalletStatus
from services.authority import require_scope
from services.errors import ValidationFailed, WalletStateConflict
from services.events import record_domain_event
from services.scoping import get_scoped
from services.kyc.application import text as kyc_text
from services.wallets import WalletRecord

WRITE_SCOPE = "wallets:write"
MAX_NICKNAME_CHARS = 40


def clean_nickname(nickname: str | None) -> str | None:
    """1 to 40 characters on one line, stripped; None clears (a blank text is refused, not taken for a clear).

    No control character at all (tabs and line breaks included) and no bidirectional override, as for KYC names.
    """
    if nickname is None:
        return None
    if not nickname.strip():
        raise ValidationFailed("nickname must not be blank: send null to remove it", field=["nickname"])
    return kyc_text(nickname, ["nickname"], max_len=MAX_NICKNAME_CHARS)


async def set_wallet_nickname(*, principal: Principal, wallet_id: uuid.UUID | None, nickname: str | None) -> WalletRecord:
    """Set (or with None remove) a wallet's nickname; record wallet.renamed."""
    require_scope(principal, WRITE_SCOPE)
    name = clean_nickname(nickname)
    wallet = await get_scoped(Wallet, principal, wallet_id, what="wallet", field=["walletId"])
    async with in_transaction() as conn:
        changed = await Wallet.filter(id=wallet.id).exclude(status=WalletStatus.CLOSED).using_db(conn).update(nickname=name)
        if not changed:
            raise WalletStateConflict("wallet is closed: it keeps its nickname", field=["walletId"])
        row = await Wallet.filter(id=wallet.id).using_db(conn).select_related("account").get()
        await record_domain_event(
            type="wallet.renamed", partner_id=row.partner_id, object_type="Wallet", object_id=row.id,  # type: ignore[attr-defined]
            payload={"walletId": str(row.id), "customerId": str(row.customer_id)}, using_db=conn,  # type: ignore[attr-defined]
        )
    return WalletRecord.from_row(row)
