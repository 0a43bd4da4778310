"""Hostile free text: services.validation strips, bounds and refuses control characters."""

from __future__ import annotations

import pytest

from services.errors import ValidationFailed
from services.validation import clean_email, clean_phone, clean_reason, clean_text


def refusal(call, *args, **kwargs) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return caught.value


def test_clean_text_strips_and_keeps_inner_spaces():
    assert clean_text("  Alice  Wang \n", field="name", max_len=20) == "Alice  Wang"


@pytest.mark.parametrize("value", [None, "", "   \t "])
def test_required_text_refuses_missing_and_blank(value):
    error = refusal(clean_text, value, field="displayName", max_len=10)
    assert error.field == ["displayName"]
    assert "displayName" in error.message


@pytest.mark.parametrize("value", [None, "", "   "])
def test_optional_text_turns_missing_and_blank_into_none(value):
    assert clean_text(value, field="memo", max_len=10, required=False) is None


def test_text_at_the_limit_passes_and_one_more_character_is_refused():
    assert clean_text("x" * 10, field="memo", max_len=10) == "x" * 10
    error = refusal(clean_text, "x" * 11, field="memo", max_len=10)
    assert (error.field, error.message) == (["memo"], "memo must be at most 10 characters")


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\x7fb", "a\x0bb"])
def test_control_characters_are_refused(bad):
    assert "control characters" in refusal(clean_text, bad, field="memo", max_len=50).message


def test_tabs_and_newlines_inside_text_are_allowed():
    assert clean_text("line 1\nline\t2", field="memo", max_len=50) == "line 1\nline\t2"


def test_email_is_lower_cased_and_optional():
    assert clean_email("  Alice@Example.COM ") == "alice@example.com"
    assert clean_email(None) is None
    assert clean_email(" ") is None


@pytest.mark.parametrize("bad", ["alice", "alice@", "@example.com", "a@b", "a@b.c", "a b@example.com", "a@@example.com"])
def test_malformed_emails_are_refused(bad):
    error = refusal(clean_email, bad)
    assert (error.field, error.message) == (["email"], "email is not a valid address")


def test_phone_drops_spaces_dashes_and_brackets():
    assert clean_phone(" +86 (138) 0013-8000 ") == "+8613800138000"
    assert clean_phone(None) is None


@pytest.mark.parametrize("bad", ["8613800138000", "+0123456789", "+12345", "+1234567890123456", "+86abc138001"])
def test_phone_outside_e164_is_refused(bad):
    assert refusal(clean_phone, bad).field == ["phone"]


def test_phone_of_seven_and_fifteen_digits_pass():
    assert clean_phone("+1234567") == "+1234567"
    assert clean_phone("+123456789012345") == "+123456789012345"


def test_reason_needs_its_minimum_length():
    assert clean_reason("  documented  ", max_len=100, min_len=5) == "documented"
    error = refusal(clean_reason, "ok", max_len=100, min_len=5, field="note")
    assert (error.field, error.message) == (["note"], "note must be at least 5 characters")
    assert refusal(clean_reason, None, max_len=100).field == ["reason"]
    assert refusal(clean_reason, "y" * 101, max_len=100).field == ["reason"]
