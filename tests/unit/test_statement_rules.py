"""services.statements.period and .describe: a statement's period rules and how a line names its counterparty."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from models.enums import TransactionKind
from services.errors import ValidationFailed
from services.statements.describe import counterparty
from services.statements.lines import StatementLine
from services.statements.period import MAX_PERIOD, check_period, parse_period, parse_timestamp

UTC = timezone.utc
START = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_period_is_converted_to_utc_and_may_be_a_whole_leap_year():
    shanghai = timezone(timedelta(hours=8))
    period = check_period(datetime(2026, 1, 1, 8, tzinfo=shanghai), datetime(2027, 1, 1, 8, tzinfo=shanghai))
    assert (period.start, period.end) == (START, datetime(2027, 1, 1, tzinfo=UTC))
    assert period.start.tzinfo == UTC
    assert check_period(START, START + MAX_PERIOD).end - START == timedelta(days=366)


@pytest.mark.parametrize(("start", "end", "field"), [
    (START, START, "to"),
    (START, START - timedelta(seconds=1), "to"),
    (START, START + MAX_PERIOD + timedelta(microseconds=1), "to"),
    (START.replace(tzinfo=None), START + timedelta(days=1), "from"),
    (START, (START + timedelta(days=1)).replace(tzinfo=None), "to"),
])
def test_bad_periods_name_their_field(start, end, field):
    with pytest.raises(ValidationFailed) as caught:
        check_period(start, end)
    assert caught.value.field == [field]


def test_query_string_timestamps():
    assert parse_timestamp("2026-01-01T00:00:00Z", "from") == START
    assert parse_timestamp("2026-01-01T08:00:00 08:00", "from") == START  # a '+' decoded to a space
    period = parse_period("2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00")
    assert period.end - period.start == timedelta(days=31)
    for text, field in ((None, "from"), ("", "to"), ("yesterday", "from")):
        with pytest.raises(ValidationFailed) as caught:
            parse_timestamp(text, field)
        assert caught.value.field == [field]
    with pytest.raises(ValidationFailed):
        parse_period("2026-01-01T00:00:00", "2026-01-02T00:00:00")  # no offset


def _line(kind: TransactionKind, other: uuid.UUID | None, outgoing: bool) -> StatementLine:
    return StatementLine(position=1, at=START, transaction_id=uuid.uuid4(), kind=kind, memo=None, amount_minor=-1,
                         fee_minor=0, running_balance_minor=0, counterparty_wallet_id=other, outgoing=outgoing)


def test_counterparty_names_the_kind_and_the_other_wallet():
    other = uuid.UUID(int=7)
    ref = lambda wallet_id: f"W{wallet_id.int}"  # noqa: E731
    assert counterparty(_line(TransactionKind.TRANSFER, other, True), ref) == "Transfer to wallet W7"
    assert counterparty(_line(TransactionKind.PAYMENT, other, False), ref) == "Payment from wallet W7"
    assert counterparty(_line(TransactionKind.TOP_UP, None, False), ref) == "Top-up"
    assert counterparty(_line(TransactionKind.WITHDRAWAL, None, True), ref) == "Withdrawal"
