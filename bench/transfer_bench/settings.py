"""Constants shared by the benchmark's modules."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CURRENCY = "CNY"
BENCH_COUNTRY = "BV"  # governed by the bench's own pack (prepare.add_compliance_pack)
SEED_BALANCE = "100000000.00"  # per wallet: transfers of at most 0.99 never exhaust it
TARGET_RATIO = 0.4

TRANSFER_MUTATION = (
    "mutation($input: TransferCreateInput!) { transferCreate(input: $input) {"
    " transaction { id amount { amount currency } } userErrors { code message field } } }"
)
