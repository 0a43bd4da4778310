"""Per-request DataLoaders of the AML types: one query per kind, however many alerts or cases a page shows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from strawberry.dataloader import DataLoader

from auth.principal import Principal
from services.aml import alert_queries
from services.aml.cases import CaseNoteRecord, CaseRecord
from services.aml.records import AlertRecord
from services.ledger import queries as ledger_queries
from services.ledger.records import TransactionRecord


class AmlLoaders:
    """Built on first use in a request and kept on its context (most requests need none)."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @cached_property
    def case(self) -> DataLoader[uuid.UUID, CaseRecord | None]:
        return DataLoader(load_fn=self._cases)

    @cached_property
    def case_alerts(self) -> DataLoader[uuid.UUID, list[AlertRecord]]:
        return DataLoader(load_fn=self._case_alerts)

    @cached_property
    def case_notes(self) -> DataLoader[uuid.UUID, list[CaseNoteRecord]]:
        return DataLoader(load_fn=self._case_notes)

    @cached_property
    def transaction(self) -> DataLoader[uuid.UUID, TransactionRecord | None]:
        return DataLoader(load_fn=self._transactions)

    async def _cases(self, ids: Sequence[uuid.UUID]) -> list[CaseRecord | None]:
        found = await alert_queries.cases_by_ids(principal=self.principal, case_ids=list(set(ids)))
        return [found.get(i) for i in ids]

    async def _case_alerts(self, ids: Sequence[uuid.UUID]) -> list[list[AlertRecord]]:
        found = await alert_queries.alerts_by_case_ids(principal=self.principal, case_ids=list(set(ids)))
        return [found.get(i, []) for i in ids]

    async def _case_notes(self, ids: Sequence[uuid.UUID]) -> list[list[CaseNoteRecord]]:
        found = await alert_queries.notes_by_case_ids(principal=self.principal, case_ids=list(set(ids)))
        return [found.get(i, []) for i in ids]

    async def _transactions(self, ids: Sequence[uuid.UUID]) -> list[TransactionRecord | None]:
        found = await ledger_queries.transactions_by_ids(principal=self.principal, transaction_ids=list(set(ids)))
        return [found.get(i) for i in ids]


def aml_loaders(info: Any) -> AmlLoaders:
    """This request's AML loaders (created on first use)."""
    context = info.context
    loaders = getattr(context, "aml_loaders", None)
    if loaders is None:
        loaders = AmlLoaders(context.principal)
        context.aml_loaders = loaders
    return loaders
