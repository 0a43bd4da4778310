"""services.funding.card_rules, card_brands and the simulated card processor: pure checks."""

from __future__ import annotations

import re

from datetime import datetime, timezone

import pytest

from services.errors import InvalidCard, ValidationFailed
from services.funding.card_brands import brand_of
from services.funding.card_processor import SimulatedCardProcessor
from services.funding.card_rules import check_card

NOW = datetime(2026, 12, 4, tzinfo=timezone.utc)


@pytest.mark.parametrize("number, brand", [
    ("4111111111111111", "VISA"), ("5105105105105100", "MASTERCARD"), ("2720990000000007", "MASTERCARD"),
    ("341111111111111", "AMEX"), ("371449635398431", "AMEX"), ("6200000000000005", "UNIONPAY"),
    ("3528000000000007", "JCB"), ("3589000000000003", "JCB"), ("6011111111111117", None), ("2220990000000008", None),
])
def test_brand_from_bin(number, brand):
    assert brand_of(number) == brand


def test_luhn_expiry_and_shapes():
    card = check_card(number="4111 1111 1111 1111", expiry_month=12, expiry_year=2026, cvv="123", now=NOW)
    assert (card.brand, card.last_four) == ("VISA", "1111") and "4111111111111111" not in repr(card)
    with pytest.raises(InvalidCard, match="Luhn"):
        check_card(number="4111111111111112", expiry_month=12, expiry_year=2026, cvv=None, now=NOW)
    with pytest.raises(InvalidCard, match="expired"):
        check_card(number="4111111111111111", expiry_month=11, expiry_year=2026, cvv=None, now=NOW)
    with pytest.raises(ValidationFailed):
        check_card(number="4111111111111111", expiry_month=13, expiry_year=2027, cvv=None, now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        check_card(number="4111111111111111", expiry_month=1, expiry_year=2027, cvv="12a", now=NOW)
    assert "12a" not in str(caught.value)


async def test_the_simulated_processor_declines_test_numbers_and_tokenises_others():
    processor = SimulatedCardProcessor()
    declined = await processor.tokenise(number="4000000000000002", expiry_month=1, expiry_year=2027, cvv=None)
    assert declined.token is None and declined.decline_reason == "DO_NOT_HONOR"
    ok = await processor.tokenise(number="4111111111111111", expiry_month=1, expiry_year=2027, cvv=None)
    # The token is random, not derived from the number (a bare "4111" turns up in random hex now and then).
    assert ok.token.startswith("tok_sim_") and re.fullmatch(r"[0-9a-f]{24}", ok.token[8:]) and "41111111" not in ok.token
