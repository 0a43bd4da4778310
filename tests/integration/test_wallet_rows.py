"""services.db.wallet_rows: what never changes about a wallet, cached per process and narrowed to its partner."""

from __future__ import annotations

import uuid

from services.caches import WALLET_FACTS
from services.db.wallet_rows import LockedWallet, WalletFacts, wallet_facts
from tests.integration.service_support import holder, new_partner


async def test_a_partner_gets_the_facts_of_its_own_wallets_only(database_url):
    mine, theirs = await new_partner("rows"), await new_partner("rows")
    a, b = await holder(mine), await holder(mine, country="US", currency="USD")
    other = await holder(theirs)
    unknown = uuid.uuid4()
    facts = await wallet_facts(mine.partner_id, [a.wallet_id, other.wallet_id, b.wallet_id, unknown])
    assert facts == {
        a.wallet_id: WalletFacts(mine.partner_id, a.customer_id, "CNY", a.account_id),  # type: ignore[arg-type]
        b.wallet_id: WalletFacts(mine.partner_id, b.customer_id, "USD", b.account_id),  # type: ignore[arg-type]
    }
    assert list(facts) == [a.wallet_id, b.wallet_id]  # in the order asked
    assert other.wallet_id in WALLET_FACTS and unknown not in WALLET_FACTS  # read once, kept for its own partner
    assert list(await wallet_facts(theirs.partner_id, [other.wallet_id, a.wallet_id])) == [other.wallet_id]


async def test_no_partner_owns_no_wallet_but_the_facts_are_still_read_and_kept(database_url):
    partner = await new_partner("rows")
    a = await holder(partner)
    WALLET_FACTS.data.pop(a.wallet_id, None)
    assert await wallet_facts(None, [a.wallet_id]) == {}
    assert WALLET_FACTS.get(a.wallet_id).partner_id == partner.partner_id


def test_facts_in_the_shape_the_posting_rules_check():
    facts = WalletFacts(uuid.UUID(int=1), uuid.UUID(int=2), "EUR", 42)
    wallet = uuid.UUID(int=3)
    assert facts.as_locked(wallet) == LockedWallet(wallet, uuid.UUID(int=2), "ACTIVE", "EUR", 42, 0, 0)
    assert facts.as_locked(wallet, "FROZEN", balance=500, held=20) == LockedWallet(
        wallet, uuid.UUID(int=2), "FROZEN", "EUR", 42, 500, 20)
