"""services.outcome: what a service result's audit row names."""

from __future__ import annotations

import uuid
from dataclasses import FrozenInstanceError, dataclass
from typing import ClassVar

import pytest

from services.outcome import AuditTarget, ServiceResult

PARTNER = uuid.UUID("01890000-0000-7000-8000-000000000001")


@dataclass(frozen=True, kw_only=True)
class Named(ServiceResult):
    audit_type: ClassVar[str] = "Wallet"
    id: uuid.UUID
    partner_id: uuid.UUID | None


@dataclass(frozen=True, kw_only=True)
class Unnamed(ServiceResult):
    id: int


@dataclass(frozen=True, kw_only=True)
class WithoutId(ServiceResult):
    total: int


def test_a_result_names_itself_with_its_audit_type_id_and_partner():
    object_id = uuid.UUID("01890000-0000-7000-8000-0000000000aa")
    assert Named(id=object_id, partner_id=PARTNER).audit_target() == AuditTarget("Wallet", str(object_id), PARTNER)


def test_without_an_audit_type_the_class_name_is_used_and_no_partner_means_the_banks_own():
    assert Unnamed(id=7).audit_target() == AuditTarget("Unnamed", "7", None)


def test_a_result_without_an_id_names_nothing():
    assert WithoutId(total=3).audit_target() is None


def test_results_are_not_audited_unless_the_service_says_so_and_are_frozen():
    result = Named(id=uuid.uuid4(), partner_id=None)
    assert result.audited is False
    assert Named(id=uuid.uuid4(), partner_id=None, audited=True).audited is True
    with pytest.raises(FrozenInstanceError):
        result.audited = True  # type: ignore[misc]
