"""services.records re-exports, for the schema layer, exactly the stored rows it still describes."""

from __future__ import annotations

import models
import services.records as records


def test_the_reexported_rows_are_the_models_themselves():
    assert records.ApiClient is models.ApiClient
    assert records.AuditEvent is models.AuditEvent
    assert records.Partner is models.Partner
    assert not hasattr(records, "Wallet")  # wallets reach the schema as services.wallets.WalletRecord
    assert records.enums is models.enums


def test_all_names_exactly_the_reexports():
    assert sorted(records.__all__) == ["ApiClient", "AuditEvent", "Partner", "enums"]
    assert all(hasattr(records, name) for name in records.__all__)
