"""The filter arguments of a transaction list, described once: `transactions` and `Wallet.transactions` share them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema.common.enums import TransactionKind, TransactionStatus

KindArg = Annotated[TransactionKind | None, strawberry.argument(description="Only transactions of this kind.")]
StatusArg = Annotated[TransactionStatus | None, strawberry.argument(description="Only transactions in this status.")]
CreatedFromArg = Annotated[datetime | None, strawberry.argument(
    description="Only transactions created at or after this time (inclusive)."
)]
CreatedToArg = Annotated[datetime | None, strawberry.argument(
    description="Only transactions created before this time (exclusive); must be after createdFrom."
)]
