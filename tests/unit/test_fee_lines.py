"""services.fees.lines: a stored or quoted fee breakdown read back as typed lines."""

from __future__ import annotations

import uuid

from services.fees.lines import FeeLineFact, fee_lines

RULE = uuid.UUID("01900000-0000-7000-8000-000000000001")


def test_a_charged_breakdown_is_one_line():
    breakdown = {"rule_id": str(RULE), "scope": "partner", "fee_kind": "INTERNATIONAL_TRANSFER", "fee_minor": 550,
                 "free_allowance_used": False, "partner_share_minor": 137}
    assert fee_lines(breakdown, fallback_kind="TRANSFER") == [
        FeeLineFact(kind="INTERNATIONAL_TRANSFER", fee_minor=550, rule_id=RULE, free_allowance_used=False,
                    partner_share_minor=137)
    ]


def test_a_free_allowance_line_costs_nothing():
    breakdown = {"rule_id": str(RULE), "fee_kind": "WITHDRAWAL", "fee_minor": 0, "free_allowance_used": True}
    [line] = fee_lines(breakdown, fallback_kind="WITHDRAWAL")
    assert (line.fee_minor, line.free_allowance_used, line.partner_share_minor) == (0, True, 0)


def test_no_rule_means_no_lines():
    assert fee_lines(None, fallback_kind="TOP_UP") == []
    assert fee_lines({}, fallback_kind="TOP_UP") == []
    assert fee_lines({"fee_minor": 0, "partner_share_minor": 0}, fallback_kind="TOP_UP") == []  # no rule of the kind
    assert fee_lines({"rule_id": None, "fee_minor": 0, "reason": "no fee rule applies"}, fallback_kind="TOP_UP") == []
    assert fee_lines({"rule_id": "not-a-uuid", "fee_kind": "TOP_UP", "fee_minor": 5}, fallback_kind="TOP_UP") == []


def test_the_kind_falls_back_to_the_transactions_and_must_be_a_fee_kind():
    breakdown = {"rule_id": str(RULE), "fee_minor": 100}
    assert [line.kind for line in fee_lines(breakdown, fallback_kind="WITHDRAWAL")] == ["WITHDRAWAL"]
    assert fee_lines(breakdown, fallback_kind="SWEEP") == []  # not something a fee rule charges
    assert fee_lines(breakdown, fallback_kind=None) == []
