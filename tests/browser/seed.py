"""Seed the browser tests' database (run as `python -m tests.browser.seed URL` after `qianbao demo`).

On top of the demo's history (and the staff users the fixture created with
`qianbao staff create`): two transfers HELD by the large-transaction rule and
three small ones that pay a fee, a customer with a pending KYC submission to
reveal, a support ticket and an open reconciliation exception. Prints what the journeys need as one JSON object.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys

PASSWORD = "console-pass-{role}-2026"
EMAIL = "{role}@console.test"
REVEAL_REF = "browser-reveal-01"


async def seed(url: str) -> dict:
    """Write the journeys' data; return their names and ids."""
    from api.db import close_orm, init_orm
    from models import ReconciliationException
    from services import clock
    from services.kyc.application import DocumentIn, KycApplication
    from services.kyc.submission import submit_kyc
    from services.support import tickets
    from services.customers import create_customer
    from services.wallets import open_wallet
    from tests.integration.aml_support import held_transfer

    await init_orm(url)
    try:
        scene, payer, payee, txn, alert = await held_transfer()
        for amount in ("25.00", "40.00", "12.50"):  # the scene's 1.50 EUR fee on each: revenue on the overview
            assert (await scene.transfer(payer, payee, amount)).status.value == "POSTED"
        await held_transfer()  # a second held transfer: one journey releases one, another rejects one
        customer = await create_customer(principal=scene.principal, external_ref=REVEAL_REF, kind="INDIVIDUAL",
                                         display_name="Mei Browser", country=scene.country)
        await open_wallet(principal=scene.principal, customer_id=customer.id, currency="EUR")
        digest = hashlib.sha256(b"browser-reveal").hexdigest()
        await submit_kyc(principal=scene.principal, customer_id=customer.id, application=KycApplication(
            legal_name="Mei Browser", date_of_birth="1991-02-03", nationality="CN", id_type="passport",
            id_number="E55501234", address="9 Lake Road, Hangzhou",
            documents=[DocumentIn(type="passport", sha256=digest, file_name="id.pdf")]))
        await tickets.open_ticket(principal=scene.principal, opening=tickets.TicketOpening(
            customer_id=payer.customer_id, transaction_id=None, category="OTHER", channel="EMAIL",
            subject="Where is my transfer?", message="It says held."))
        await ReconciliationException.create(rail="simulated", kind="UNKNOWN_REFERENCE", reference="SIM-BROWSER-1",
                                             detail="a settled line with no transfer of ours", created_at=clock.now(),
                                             open_key="browser-seed-1")
        return {"held_transaction": str(txn.id), "alert": str(alert["id"]), "reveal_ref": REVEAL_REF,
                "id_number": "E55501234"}
    finally:
        await close_orm()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
