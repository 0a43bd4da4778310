"""EMVCo MPM QR payloads (services/payments/emv_qr.py) and their CRC (services/payments/crc16.py)."""

from __future__ import annotations

import binascii
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.countries import COUNTRY_CODES
from services.payments import mcc
from services.payments.crc16 import crc16_ccitt_false
from services.payments.emv_qr import (
    OUR_GUI,
    REASONS,
    DecodedQr,
    InvalidQr,
    InvalidQrField,
    MerchantQr,
    currency_code,
    decode,
    encode,
    require_ours,
)

# The example of the EMVCo MPM specification (EMV QRCPS MPM v1.1): UnionPay templates 29 and 31,
# an alternate-language template 64 in Chinese (lengths in characters), CRC A13A over the UTF-8 bytes.
EMVCO_EXAMPLE = (
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN"
    "5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***"
    "0708A60086670902ME91320016A0112233449988770708123456786304A13A"
)
# The same example without template 64: plain ASCII, CRC FF8B (checked below with binascii.crc_hqx).
ASCII_EXAMPLE = (
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN"
    "5914BEST TRANSPORT6007BEIJING540523.7253031565502016233030412340603***"
    "0708A60086670902ME91320016A0112233449988770708123456786304FF8B"
)

OUR_QR = MerchantQr(
    merchant_request_id="018f3c1e-7b7a-7c3e-9a1b-2f0c4d5e6f70",
    merchant_id="M-000123",
    mcc="5411",
    currency_numeric="156",
    amount="23.72",
    country="CN",
    merchant_name="BEST TRANSPORT",
    merchant_city="BEIJING",
    reference="INV-2026-0001",
    dynamic=True,
)


def tlv(field_id: str, value: str) -> str:
    return f"{field_id}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """The body plus a correct CRC field, computed with the standard library (independent of ours)."""
    body += "6304"
    return body + format(binascii.crc_hqx(body.encode("utf-8"), 0xFFFF), "04X")


def payload(**overrides: str | None) -> str:
    """A valid foreign payload (with a correct CRC), with some top-level fields replaced or (None) removed."""
    fields = {
        "00": "01", "01": "12", "29": tlv("00", "D15600000000") + tlv("05", "A93FO3230Q"),
        "52": "4111", "53": "156", "54": "23.72", "58": "CN", "59": "BEST TRANSPORT", "60": "BEIJING",
    }
    fields.update(overrides)
    return with_crc("".join(tlv(k, v) for k, v in fields.items() if v is not None))


def reason_of(text: str) -> str:
    with pytest.raises(InvalidQr) as caught:
        decode(text)
    assert caught.value.reason in REASONS
    assert isinstance(caught.value, ValueError)
    return caught.value.reason


# --- CRC -------------------------------------------------------------------------------------------


def test_crc_check_value():
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert crc16_ccitt_false(b"") == 0xFFFF


@given(st.binary(max_size=600))
def test_crc_matches_the_standard_library(data):
    assert crc16_ccitt_false(data) == binascii.crc_hqx(data, 0xFFFF)


def test_the_published_crcs_match_the_standard_library():
    for example in (EMVCO_EXAMPLE, ASCII_EXAMPLE):
        assert format(binascii.crc_hqx(example[:-4].encode("utf-8"), 0xFFFF), "04X") == example[-4:]


# --- published examples ----------------------------------------------------------------------------


def test_the_emvco_example_parses():
    decoded = decode(EMVCO_EXAMPLE)
    assert (decoded.mcc, decoded.currency_numeric, decoded.amount, decoded.country) == ("4111", "156", "23.72", "CN")
    assert (decoded.merchant_name, decoded.merchant_city, decoded.dynamic) == ("BEST TRANSPORT", "BEIJING", True)
    assert (decoded.merchant_name_alternate, decoded.merchant_city_alternate) == ("最佳运输", "北京")
    assert decoded.raw["64"] == "0002ZH0104最佳运输0202北京" and decoded.raw["63"] == "A13A"
    assert decoded.is_ours is False and decoded.merchant_id is None and decoded.merchant_request_id is None
    assert decoded.reference is None
    with pytest.raises(InvalidQr) as caught:
        require_ours(decoded)
    assert caught.value.reason == "NOT_OUR_MERCHANT"


def test_the_ascii_example_parses():
    decoded = decode(ASCII_EXAMPLE)
    assert ASCII_EXAMPLE.isascii()
    assert decoded.amount == "23.72" and decoded.merchant_name_alternate is None and not decoded.is_ours
    assert decoded.raw["62"] == "030412340603***0708A60086670902ME"


# --- encode ----------------------------------------------------------------------------------------


def test_encode_layout():
    text = encode(OUR_QR)
    assert text.startswith("000201" "010212" "2670" "0014CN.QIANBAO.PAY" "0108M-000123" "0236018f3c1e-")
    assert "5204541153031565405" "23.725802CN5914BEST TRANSPORT6007BEIJING62170513INV-2026-0001" in text
    assert text[-8:-4] == "6304" and text[-4:] == format(binascii.crc_hqx(text[:-4].encode(), 0xFFFF), "04X")


def test_encode_static_without_amount_or_reference():
    text = encode(dataclasses.replace(OUR_QR, dynamic=False, amount=None, reference=None))
    fields = decode(text).raw
    assert fields["01"] == "11" and "54" not in fields and "62" not in fields


def test_round_trip_of_our_code():
    decoded = require_ours(decode(encode(OUR_QR)))
    assert decoded.merchant_id == "M-000123" and decoded.reference == "INV-2026-0001"
    assert decoded.merchant_request_id == OUR_QR.merchant_request_id


ans_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=25)
amounts = st.one_of(
    st.none(),
    st.integers(min_value=1, max_value=10**10 - 1).map(lambda minor: f"{minor // 100}.{minor % 100:02d}"),
    st.integers(min_value=1, max_value=10**12).map(str),
)


@settings(max_examples=300)
@given(
    request_id=ans_text.filter(lambda t: len(t) <= 36) | st.uuids().map(str),
    merchant_id=ans_text,
    category=st.sampled_from([code for code, _ in mcc.all_codes()]),
    currency=st.sampled_from(["156", "344", "840", "978", "392", "446"]),
    amount=amounts,
    country=st.sampled_from(sorted(COUNTRY_CODES)),
    name=ans_text,
    city=ans_text.map(lambda t: t[:15]),
    reference=st.none() | ans_text,
    dynamic=st.booleans(),
)
def test_round_trip(request_id, merchant_id, category, currency, amount, country, name, city, reference, dynamic):
    qr = MerchantQr(request_id, merchant_id, category, currency, amount, country, name, city, reference, dynamic)
    text = encode(qr)
    decoded = decode(text)
    assert decoded.is_ours
    expected = dataclasses.asdict(qr)
    assert {key: getattr(decoded, key) for key in expected} == expected
    assert len(text) <= 512


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"merchant_name": "最佳运输"}, "merchant_name", "BAD_CHARSET"),
        ({"merchant_city": "Zürich"}, "merchant_city", "BAD_CHARSET"),
        ({"merchant_name": "N" * 26}, "merchant_name", "FIELD_TOO_LONG"),
        ({"merchant_city": "C" * 16}, "merchant_city", "FIELD_TOO_LONG"),
        ({"reference": "R" * 26}, "reference", "FIELD_TOO_LONG"),
        ({"merchant_request_id": ""}, "merchant_request_id", "REQUIRED"),
        ({"merchant_id": "M" * 33}, "merchant_id", "FIELD_TOO_LONG"),
        ({"mcc": "0001"}, "mcc", "BAD_FORMAT"),
        ({"mcc": "541"}, "mcc", "BAD_FORMAT"),
        ({"mcc": "٥٤١١"}, "mcc", "BAD_FORMAT"),
        ({"currency_numeric": "CNY"}, "currency_numeric", "BAD_CURRENCY"),
        ({"country": "XX"}, "country", "BAD_FORMAT"),
        ({"amount": "0.00"}, "amount", "BAD_AMOUNT"),
        ({"amount": "-1"}, "amount", "BAD_AMOUNT"),
        ({"amount": "1,50"}, "amount", "BAD_AMOUNT"),
        ({"amount": "12345678901.23"}, "amount", "BAD_AMOUNT"),
        ({"amount": 1.5}, "amount", "BAD_AMOUNT"),
    ],
)
def test_encode_refuses(change, field, reason):
    with pytest.raises(InvalidQrField) as caught:
        encode(dataclasses.replace(OUR_QR, **change))
    assert isinstance(caught.value, ValueError)
    assert (caught.value.field, caught.value.reason) == (field, reason)


# --- decode errors ---------------------------------------------------------------------------------


def test_the_helper_payload_is_valid():
    assert decode(payload()).amount == "23.72"


def test_a_lowercase_crc_is_accepted():
    assert decode(payload()[:-4] + payload()[-4:].lower()).mcc == "4111"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (EMVCO_EXAMPLE[:-1] + ("B" if EMVCO_EXAMPLE[-1] != "B" else "C"), "CRC_MISMATCH"),
        (EMVCO_EXAMPLE.replace("BEIJING", "BEIJINH"), "CRC_MISMATCH"),
        (payload()[:-1], "BAD_LENGTH"),  # truncated
        (payload()[:30], "BAD_LENGTH"),
        (with_crc("000201" "2912" + tlv("00", "D1560000") + "5204411153031565802CN5914BEST TRANSPORT6099BEIJING"), "BAD_LENGTH"),
        (payload(**{"29": "0013D15600000000"}), "BAD_LENGTH"),  # a template whose sub-field overruns
        (payload(**{"00": None}), "MISSING_FIELD"),
        (payload(**{"52": None}), "MISSING_FIELD"),
        (payload(**{"53": None}), "MISSING_FIELD"),
        (payload(**{"58": None}), "MISSING_FIELD"),
        (payload(**{"59": None}), "MISSING_FIELD"),
        (payload(**{"60": None}), "MISSING_FIELD"),
        (payload(**{"29": None}), "MISSING_FIELD"),
        (payload()[:-8], "MISSING_FIELD"),  # no CRC at all
        (payload(**{"26": tlv("00", OUR_GUI) + tlv("01", "M-1")}), "MISSING_FIELD"),  # ours, no request id
        ("000201" + tlv("29", tlv("00", "D156")) + "52044111" "6304ABCD" "5303156", "BAD_FORMAT"),  # CRC not last
        (with_crc("01021200020129080004D15652044111530315658" "02CN5902AB6002BJ"), "BAD_FORMAT"),  # 00 not first
        (payload()[:-8] + "6305ABCDE", "BAD_FORMAT"),
        (payload()[:-4] + "XYZW", "BAD_FORMAT"),
        (with_crc(payload()[:-8] + "5802CN"), "DUPLICATE_FIELD"),
        (payload(**{"29": tlv("00", "D156") + tlv("00", "D157")}), "DUPLICATE_FIELD"),
        (payload(**{"52": "41A1"}), "BAD_FORMAT"),
        (payload(**{"52": "411"}), "BAD_FORMAT"),
        (payload(**{"52": "٤١١١"}), "BAD_FORMAT"),  # Arabic-Indic digits are no EMV digits
        (payload(**{"00": "02"}), "BAD_FORMAT"),
        (payload(**{"01": "13"}), "BAD_FORMAT"),
        (payload(**{"58": "cn"}), "BAD_FORMAT"),
        (payload(**{"59": "BEST\nTRANSPORT"}), "BAD_FORMAT"),
        (with_crc("0A0201"), "BAD_FORMAT"),
        ("", "BAD_FORMAT"),
        (payload(**{"53": "CNY"}), "BAD_CURRENCY"),
        (payload(**{"53": "000"}), "BAD_CURRENCY"),
        (payload(**{"54": "12,50"}), "BAD_AMOUNT"),
        (payload(**{"54": "-5"}), "BAD_AMOUNT"),
        (payload(**{"54": "1e5"}), "BAD_AMOUNT"),
        (payload(**{"54": "0"}), "BAD_AMOUNT"),
        (payload(**{"54": "２３.72"}), "BAD_AMOUNT"),
        (payload(**{"54": "1.2.3"}), "BAD_AMOUNT"),
        (payload(**{"54": "12345678901234"}), "BAD_AMOUNT"),
        (payload(**{"59": "N" * 26}), "FIELD_TOO_LONG"),
        (payload(**{"60": "C" * 16}), "FIELD_TOO_LONG"),
        (payload(**{"62": tlv("05", "R" * 26)}), "FIELD_TOO_LONG"),
        (payload(**{"70": "x" * 99, "71": "x" * 99, "72": "x" * 99, "73": "x" * 99}), "BAD_LENGTH"),  # over 512
    ],
)
def test_decode_refuses(text, reason):
    assert reason_of(text) == reason


def test_amount_formats_emv_allows():
    for amount in ("1", "100.", "0.5", ".5", "1234567890.12"):
        assert decode(payload(**{"54": amount})).amount == amount


def test_a_payload_of_exactly_512_characters_is_accepted():
    filler = 512 - len(payload(**{"70": "x" * 99, "71": "x" * 99, "72": "x" * 99, "73": ""}))
    text = payload(**{"70": "x" * 99, "71": "x" * 99, "72": "x" * 99, "73": "x" * filler})
    assert len(text) == 512 and decode(text).raw["73"] == "x" * filler


def test_require_ours_returns_our_code():
    decoded = decode(encode(OUR_QR))
    assert require_ours(decoded) is decoded
    assert isinstance(decoded, DecodedQr)


def test_currency_code():
    assert currency_code("156") == "CNY" and currency_code("978") == "EUR" and currency_code("000") is None
