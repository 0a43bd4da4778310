"""Support tickets' pure rules: what the masking hides (and leaves), and the SLA table and breach flags."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from models.support import TicketPriority
from services.support.masking import contains_sensitive, mask_sensitive
from services.support.sla import SLA_TABLE, breached, due_times

AT = datetime(2031, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "hidden", "shown"), [
    ("身份证11010519491231002X谢谢", "11010519491231002X", "••••••002X"),
    ("id 110105194912310021 (typo in the check digit)", "110105194912310021", "••••••0021"),
    ("card 4111-1111-1111-1111 please", "4111-1111-1111-1111", "••••••1111"),
    ("UnionPay 6212345678901232", "6212345678901232", "••••••1232"),
    ("call +86 138 0013 8000", "138 0013 8000", "••••••8000"),
    ("手机13912345678", "13912345678", "••••••5678"),
])
def test_identity_card_and_mobile_numbers_are_masked(text, hidden, shown):
    masked = mask_sensitive(text)
    assert hidden not in masked and shown in masked
    assert contains_sensitive(text)


@pytest.mark.parametrize("text", [
    "order 1234567890123 was late",  # 13 digits failing Luhn: a reference, not a card
    "I paid 120.50 CNY on 2031-03-01",
    "ticket ABC11010519491231002X9",  # glued to letters: not a standalone ID number
    "plain text, 中文也可以",
])
def test_other_text_is_left_as_it_is(text):
    assert mask_sensitive(text) == text and not contains_sensitive(text)


@given(st.text(alphabet=st.sampled_from("0123456789 -+X中a"), max_size=60))
def test_masking_is_idempotent_and_never_longer(text):
    once = mask_sensitive(text)
    assert mask_sensitive(once) == once
    assert len(once) <= len(text)  # a masked number is shorter than any number it hides


def test_the_sla_table_gets_stricter_with_priority():
    order = [TicketPriority.LOW, TicketPriority.NORMAL, TicketPriority.HIGH, TicketPriority.URGENT]
    firsts = [SLA_TABLE[p][0] for p in order]
    resolutions = [SLA_TABLE[p][1] for p in order]
    assert firsts == sorted(firsts, reverse=True) and resolutions == sorted(resolutions, reverse=True)
    assert all(SLA_TABLE[p][0] < SLA_TABLE[p][1] for p in order)


def test_due_times_and_breaches_follow_the_clock():
    due = due_times(TicketPriority.NORMAL, AT)
    assert due.first_response == AT + timedelta(hours=8) and due.resolution == AT + timedelta(days=3)
    assert not breached(due.first_response, None, AT + timedelta(hours=8))  # exactly at the due time: in time
    assert breached(due.first_response, None, AT + timedelta(hours=8, seconds=1))
    assert breached(due.first_response, AT + timedelta(hours=9), AT + timedelta(hours=9))  # answered late
    assert not breached(due.first_response, AT + timedelta(hours=1), AT + timedelta(days=30))  # answered in time
