"""Rail transfers for the API tests (nodes, the permission matrix): a rail withdrawal of a partner's wallet."""

from __future__ import annotations

import itertools
import uuid

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import RailTransfer, Wallet
from schema.common.relay import parse_global_id, to_global_id
from services.rails.sources import FundingSource
from services.rails.transfers import RailRequest, post_rail_transfer
from tests.factories import GraphQLClient

_keys = itertools.count(1)


async def rail_transfer_id(client: GraphQLClient, wallet_gid: str, amount: str = "1.00") -> str:
    """A HELD rail withdrawal of `amount` from a funded wallet of the client's partner; the RailTransfer's global ID."""
    parsed = parse_global_id(wallet_gid)
    assert parsed is not None
    wallet = await Wallet.get(id=parsed[1])
    principal = Principal(kind="partner", subject=client.client_id, partner_id=uuid.UUID(client.partner_id),
                          scopes=frozenset(PARTNER_SCOPES))
    txn = await post_rail_transfer(principal=principal, req=RailRequest(
        direction="OUT", wallet_id=wallet.id, source_kind="BANK_ACCOUNT", source_id=None, amount=amount,
        idempotency_key=f"rail-support-{next(_keys)}"),
        source=FundingSource("BANK_ACCOUNT", uuid.uuid4(), wallet.customer_id))  # type: ignore[attr-defined]
    return to_global_id("RailTransfer", (await RailTransfer.get(transaction_id=txn.id)).id)
