"""bench/discount_floor: each statement gets exactly the parameters it numbers, and the command line keeps the
discounted statements within the payer's coupons."""

from __future__ import annotations

import re
import uuid

import pytest

from bench import discount_floor

IDS = {k: uuid.uuid4() for k in ("partner", "payer_wallet", "merchant_wallet", "merchant_partner", "merchant", "request",
                                  "campaign", "use")}
IDS.update({"payer_account": 1, "clearing": True, "credited": 2, "budget": 3, "reserve": 4, "points": 5, "redeemed": 6})


def _numbered(sql: str) -> set[int]:
    return {int(n) for n in re.findall(r"\$(\d+)", sql)}


@pytest.mark.parametrize(("sql", "discount"), [(discount_floor.PLAIN, False), (discount_floor.DISCOUNT, True)])
def test_each_statement_is_given_every_parameter_it_numbers(sql, discount):
    given = discount_floor.values(IDS, discount=discount, coupon=uuid.uuid4() if discount else None)
    assert _numbered(sql) == set(range(1, len(given) + 1))


def test_the_discounted_payer_pays_the_amount_less_coupon_and_points():
    plain = discount_floor.values(IDS, discount=False)
    discounted = discount_floor.values(IDS, discount=True, coupon=uuid.uuid4())
    assert plain[2] == 6000 and discounted[2] == 6000 - 500 - 100  # the coupon's 5.00 and 100 points at 0.01
    assert plain[0] != discounted[0] and plain[6] != discounted[6]  # a fresh transaction and key each time


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--per-round", "10"], ["--rounds", "5", "--per-round", "200"]])
def test_the_command_line_refuses_what_the_payer_cannot_pay(argv):
    with pytest.raises(SystemExit):
        discount_floor.parse_args(["--database-url", "postgres://x", *argv])
