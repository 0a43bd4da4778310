"""Per-request DataLoaders of the fee types: one query per kind, however many fee lines or rules a page shows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from strawberry.dataloader import DataLoader

from auth.principal import Principal
from services.fees import lookups
from services.partners import queries as partner_queries
from services.fees.rules import RuleSpec
from services.partners.records import PartnerRecord


class FeeLoaders:
    """Built on first use in a request and kept on its context (most requests need none)."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @cached_property
    def rule(self) -> DataLoader[uuid.UUID, RuleSpec | None]:
        return DataLoader(load_fn=self._rules)

    @cached_property
    def partner(self) -> DataLoader[uuid.UUID, PartnerRecord | None]:
        return DataLoader(load_fn=self._partners)

    async def _rules(self, ids: Sequence[uuid.UUID]) -> list[RuleSpec | None]:
        found = await lookups.rules_by_ids(principal=self.principal, rule_ids=list(set(ids)))
        return [found.get(i) for i in ids]

    async def _partners(self, ids: Sequence[uuid.UUID]) -> list[PartnerRecord | None]:
        found = await partner_queries.partners_by_ids(principal=self.principal, partner_ids=list(set(ids)))
        return [found.get(i) for i in ids]


def fee_loaders(info: Any) -> FeeLoaders:
    """This request's fee loaders (created on first use)."""
    context = info.context
    loaders = getattr(context, "fee_loaders", None)
    if loaders is None:
        loaders = FeeLoaders(context.principal)
        context.fee_loaders = loaders
    return loaders
