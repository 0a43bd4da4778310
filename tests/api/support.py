"""Small helpers shared by the API tests: IDs, ledger snapshots and leak checks."""

from __future__ import annotations

import re
import uuid
from typing import Any

from models import Customer, Entry, IdempotencyRecord, Transaction, Wallet
from models.ids import uuid7
from schema.common.relay import parse_global_id, to_global_id
from tests.factories import GraphQLClient

# Anything that would show a client how the server is built.
_LEAK_PATTERNS = [
    re.compile(r"Traceback"),
    re.compile(r'File "'),
    re.compile(r"\.py\b"),
    re.compile(r"/work/|/tmp/|site-packages"),
    re.compile(r"\b(?:tortoise|asyncpg|aiosqlite|sqlite3|strawberry)\b", re.IGNORECASE),
]


def object_uuid(global_id: str) -> uuid.UUID:
    """The row id behind one of our global IDs."""
    parsed = parse_global_id(global_id)
    assert parsed is not None, global_id
    return parsed[1]


def random_global_id(type_name: str) -> str:
    """A well-formed global ID of the type that names no row."""
    return to_global_id(type_name, uuid7())


def assert_no_leak(text: str) -> None:
    """The body tells nothing about the server's code, files or libraries."""
    for pattern in _LEAK_PATTERNS:
        assert not pattern.search(text), f"response leaks {pattern.pattern!r}: {text[:500]}"


def error_codes(body: dict[str, Any]) -> list[str | None]:
    """The extensions.code of every GraphQL error in a response body."""
    return [(error.get("extensions") or {}).get("code") for error in body.get("errors") or []]


async def ledger_counts(partner: GraphQLClient) -> dict[str, int]:
    """How many rows of each kind the partner owns (read straight from the database)."""
    partner_id = uuid.UUID(partner.partner_id)
    return {
        "customers": await Customer.filter(partner_id=partner_id).count(),
        "wallets": await Wallet.filter(partner_id=partner_id).count(),
        "transactions": await Transaction.filter(partner_id=partner_id).count(),
        "entries": await Entry.filter(partner_id=partner_id).count(),
        "idempotency_keys": await IdempotencyRecord.filter(partner_id=partner_id).count(),
    }


async def snapshot(partner: GraphQLClient, wallet_ids: list[str]) -> dict[str, Any]:
    """Row counts plus the balance of each wallet, to prove a refusal changed nothing."""
    balances = {wallet_id: await partner.balance(wallet_id) for wallet_id in wallet_ids}
    return {"counts": await ledger_counts(partner), "balances": balances}
