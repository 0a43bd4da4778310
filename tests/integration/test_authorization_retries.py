"""A retry of authorizationCreate sent while its original is still being written (the answer was lost on the way)
answers the original, never a refusal caused by the original's own hold (services.payments.authorizations).

Found by the money state machine's ANSWER_LOST fault: the retry waited on the account row the original was
holding, then found the amount already held and answered INSUFFICIENT_FUNDS, while the original's hold stayed.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from models import Account, PaymentAuthorization, Wallet
from services import clock
from services.ledger.posting import post_top_up
from services.payments import authorizations
from services.payments.authorizations import authorize
from tests.conftest import requires_postgres
from tests.factories import next_id
from tests.integration.merchant_support import merchant_of
from tests.integration.points_support import ledger_ok
from tests.integration.service_support import holder, new_partner


async def _world(balance: str):  # type: ignore[no-untyped-def]
    bank = await new_partner("auth-retry")
    merchant = await merchant_of(bank)
    payer = await holder(bank)
    await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount=balance, idempotency_key=next_id("art"))
    return bank, merchant, payer


async def _held(wallet_id) -> int:  # type: ignore[no-untyped-def]
    wallet = await Wallet.get(id=wallet_id)
    return int((await Account.get(id=wallet.account_id)).held_minor)  # type: ignore[attr-defined]


async def test_a_retry_whose_original_commits_after_its_key_was_looked_up_answers_the_original(database_url,
                                                                                             monkeypatch):
    bank, merchant, payer = await _world("50.00")
    key, until = next_id("auth"), clock.now() + timedelta(days=1)
    ask = dict(principal=bank, wallet_id=payer.wallet_id, merchant_id=merchant.id, amount="50.00", expires_at=until,
               idempotency_key=key)
    payable = authorizations._payable_merchant
    landed = []

    async def original_lands_meanwhile(merchant_id):  # type: ignore[no-untyped-def]
        # The retry has looked its key up (nothing yet); now the original commits, holding the whole balance.
        monkeypatch.setattr(authorizations, "_payable_merchant", payable)
        landed.append(await authorize(**ask))
        return await payable(merchant_id)

    monkeypatch.setattr(authorizations, "_payable_merchant", original_lands_meanwhile)
    retry = await authorize(**ask)
    assert landed and retry.id == landed[0].id
    assert await PaymentAuthorization.filter(wallet_id=payer.wallet_id).count() == 1
    assert await _held(payer.wallet_id) == 5000
    await ledger_ok()


@requires_postgres
async def test_an_original_and_its_retry_at_the_same_moment_make_one_authorisation(database_url):
    bank, merchant, payer = await _world("50.00")
    until = clock.now() + timedelta(days=1)
    for n in range(10):
        if n:
            await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount="50.00", idempotency_key=next_id("art"))
        # Each time the whole available balance (50.00): whichever of the two writes first, the other must
        # answer its authorisation rather than INSUFFICIENT_FUNDS.
        ask = dict(principal=bank, wallet_id=payer.wallet_id, merchant_id=merchant.id, amount="50.00",
                   expires_at=until, idempotency_key=next_id(f"same-{n}"))
        first, second = await asyncio.gather(authorize(**ask), authorize(**ask))
        assert first.id == second.id
        assert await _held(payer.wallet_id) == 5000 * (n + 1)
    assert await PaymentAuthorization.filter(wallet_id=payer.wallet_id).count() == 10
    await ledger_ok()
