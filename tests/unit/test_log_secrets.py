"""The leak search of the API suite (tests/log_secrets.py) finds what it must and lets innocent log text pass."""

from __future__ import annotations

import logging

import jwt

from tests.log_secrets import RecordingHandler, cn_id_valid, leaks, luhn_valid

TEST_CARD = "4111111111111111"  # Visa's published test number: Luhn-valid
TEST_ID = "11010519491231002X"  # the sample resident identity number of GB 11643: valid check character


def test_luhn_accepts_card_numbers_and_refuses_a_changed_digit():
    assert luhn_valid(TEST_CARD)
    assert luhn_valid("5500005555555559")
    assert not luhn_valid("4111111111111112")


def test_identity_check_character_is_checked():
    assert cn_id_valid(TEST_ID)
    assert not cn_id_valid("110105194912310021")


def test_a_recorded_secret_is_found_without_being_repeated_whole():
    found = leaks("login failed for password=hunter2-but-longer", {"hunter2-but-longer"})
    assert found == ["recorded secret hun...(18 chars)"]
    assert "hunter2-but-longer" not in found[0]


def test_short_recorded_values_are_not_searched():
    # A two-letter country or a one-digit tier would match almost any line.
    assert leaks("country CN tier 2", {"CN", "2"}) == []


def test_a_jwt_is_found_whoever_signed_it():
    token = jwt.encode({"sub": "client-1", "scope": "wallets:read"}, "k" * 32, algorithm="HS256")
    assert leaks(f"Authorization: Bearer {token}", set()) == [f"JWT {token[:12]}..."]


def test_card_numbers_whole_or_grouped_are_found():
    assert leaks(f"card={TEST_CARD}", set()) == ["card number ...1111"]
    assert leaks("card 4111 1111 1111 1111 ok", set()) == ["card number ...1111"]
    assert leaks("card 4111-1111-1111-1111 ok", set()) == ["card number ...1111"]


def test_identity_numbers_are_found():
    assert leaks(f"id_number {TEST_ID}", set()) == ["identity number ...002X"]


def test_innocent_log_text_passes():
    lines = [
        "POST /graphql 200 2.8ms id=260bd46fd5774112857372326c4d2196",  # hex request id with a 16-digit run
        "transaction 0b8f0a4e-5774-1128-5737-2326c4d21960 posted",
        "amount 4111111111111112 minor units",  # 16 digits, not Luhn-valid
        "card ending 1111 linked",
        "at 2026-12-05T13:48:55.123456+00:00",
    ]
    assert leaks("\n".join(lines), {"correct horse battery staple"}) == []


def test_the_handler_keeps_messages_and_tracebacks():
    handler = RecordingHandler()
    logger = logging.getLogger("tests.log_secrets.handler")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError(f"bad card {TEST_CARD}")
        except ValueError:
            logger.exception("charge failed")
        logger.debug("below INFO: not kept")
    finally:
        logger.removeHandler(handler)
    assert len(handler.lines) == 1
    assert "charge failed" in handler.lines[0]
    assert leaks(handler.lines[0], set()) == ["card number ...1111"]
