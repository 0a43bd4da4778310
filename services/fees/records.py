"""A fee rule as the bank admin's changes hand it back: its terms, and what the audit row names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from services.fees.rules import RuleSpec
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class FeeRuleRecord(ServiceResult):
    """A stored fee rule (its terms as a RuleSpec); audited as a FeeRule of its partner (None: the bank's default)."""

    audit_type: ClassVar[str] = "FeeRule"

    rule: RuleSpec

    @property
    def id(self) -> uuid.UUID | None:
        """The rule's id."""
        return self.rule.id

    @property
    def partner_id(self) -> uuid.UUID | None:
        """The partner the rule belongs to (None: the bank's default schedule)."""
        return self.rule.partner_id
