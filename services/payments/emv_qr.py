"""EMVCo Merchant-Presented Mode (MPM) QR payloads: encode ours, decode anyone's.

A payload is a run of TLV data objects: a 2-digit id, a 2-digit length and the
value. Lengths count characters of the text (not bytes of its UTF-8): the
EMVCo MPM specification's own example (tests/unit/test_emv_qr.py) carries
"0104最佳运输" in its alternate-language template 64, four characters in twelve
UTF-8 bytes. The CRC (field 63, CRC-16/CCITT-FALSE, services/payments/crc16.py)
covers the UTF-8 bytes of everything before its value, "6304" included; for
that example it gives the published A13A (checked with binascii.crc_hqx).

Our codes carry merchant account information in template 26: sub-field 00 is
our globally unique identifier OUR_GUI, 01 our merchant id, 02 the merchant's
payment request id. A payload that is valid EMV but has no template with our
GUI decodes with is_ours=False; `require_ours` turns that into an error.

Charset decision: EMV's "ans" format is printable ASCII (0x20-0x7E). `encode`
refuses anything else in every field (InvalidQrField, a ValueError, with the
field and a reason); transliterating a Chinese merchant name is out of scope.
`decode` is lenient there (foreign codes may carry UTF-8 in their names) but
refuses control characters.

`decode` raises InvalidQr (a ValueError) whose `reason` is one of REASONS.
It does not strip whitespace around the payload: the caller passes what the
scanner read. Field order is free except 00 first and 63 last, as the spec says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import iso4217

from services.countries import is_country
from services.payments.crc16 import crc16_ccitt_false
from services.payments.mcc import is_known

OUR_GUI = "CN.QIANBAO.PAY"
OUR_TEMPLATE_ID = "26"
MAX_PAYLOAD_CHARS = 512

# BAD_LENGTH: payload over 512 characters, a truncated or overrunning or empty data object;
# BAD_FORMAT: bad id/length digits, 00 not first or not "01", 63 not last or not 4 hex digits,
# a non-numeric MCC, a bad 01/58, a control character; FIELD_TOO_LONG: 59, 60, 61 or a 62 sub-field.
REASONS = frozenset({
    "BAD_FORMAT", "BAD_LENGTH", "CRC_MISMATCH", "MISSING_FIELD", "DUPLICATE_FIELD",
    "FIELD_TOO_LONG", "BAD_AMOUNT", "BAD_CURRENCY", "NOT_OUR_MERCHANT",
})

_ANS = re.compile(r"[\x20-\x7e]*")
_DIGITS = re.compile(r"[0-9]+")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")  # EMV: digits with an optional "." decimal mark
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NUMERIC_CURRENCIES = {f"{c.number:03d}": c.code for c in iso4217.Currency if c.number}

# Top-level ids whose value is itself a run of TLVs (26-51 merchant account, 62, 64, 80-99).
_TEMPLATE_IDS = frozenset({f"{i:02d}" for i in [*range(26, 52), 62, 64, *range(80, 100)]})
# Mandatory top-level fields besides a merchant account (02-51).
_MANDATORY = ("00", "52", "53", "58", "59", "60", "63")
# Fixed sizes and maximum sizes of the fields we interpret.
_EXACT_SIZE = {"00": 2, "01": 2, "52": 4, "53": 3, "58": 2, "63": 4}
_MAX_SIZE = {"54": 13, "59": 25, "60": 15, "61": 10}


class InvalidQr(ValueError):
    """A payload that is no valid EMV MPM QR (or not ours, for require_ours); `reason` is one of REASONS."""

    def __init__(self, reason: str, detail: str = ""):
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class InvalidQrField(ValueError):
    """A MerchantQr that cannot be encoded: `field` names the field, `reason` says why."""

    def __init__(self, field: str, reason: str, detail: str):
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class MerchantQr:
    """What one of our merchant QR codes says."""

    merchant_request_id: str
    merchant_id: str
    mcc: str
    currency_numeric: str
    amount: str | None
    country: str
    merchant_name: str
    merchant_city: str
    reference: str | None = None
    dynamic: bool = True


@dataclass(frozen=True)
class DecodedQr:
    """What a scanned payload says; merchant_id and merchant_request_id are None unless is_ours."""

    merchant_request_id: str | None
    merchant_id: str | None
    mcc: str
    currency_numeric: str
    amount: str | None
    country: str
    merchant_name: str
    merchant_city: str
    reference: str | None
    dynamic: bool
    raw: dict[str, str]
    is_ours: bool
    merchant_name_alternate: str | None = None
    merchant_city_alternate: str | None = None


def tlv(field_id: str, value: str) -> str:
    """One data object: id, 2-digit length in characters, value."""
    if not 1 <= len(value) <= 99:
        raise InvalidQrField(field_id, "FIELD_TOO_LONG", f"a data object holds 1 to 99 characters, not {len(value)}")
    return f"{field_id}{len(value):02d}{value}"


def crc_of(payload_before_crc_value: str) -> str:
    """The 4 uppercase hex digits of the CRC over the text, which must end with "6304"."""
    return f"{crc16_ccitt_false(payload_before_crc_value.encode('utf-8')):04X}"


def _check_text(field: str, value: str | None, max_chars: int, *, required: bool = True) -> None:
    """Refuse a missing, too long or non-"ans" (printable ASCII) text field of a MerchantQr."""
    if value is None or value == "":
        if required:
            raise InvalidQrField(field, "REQUIRED", "is required")
        return
    if not isinstance(value, str) or not _ANS.fullmatch(value):
        raise InvalidQrField(field, "BAD_CHARSET", "only printable ASCII characters are allowed (no transliteration)")
    if len(value) > max_chars:
        raise InvalidQrField(field, "FIELD_TOO_LONG", f"at most {max_chars} characters, got {len(value)}")


def _check_merchant_qr(qr: MerchantQr) -> None:
    """Refuse a MerchantQr whose fields EMV (or our template) cannot carry."""
    _check_text("merchant_request_id", qr.merchant_request_id, 36)
    _check_text("merchant_id", qr.merchant_id, 32)
    _check_text("merchant_name", qr.merchant_name, 25)
    _check_text("merchant_city", qr.merchant_city, 15)
    _check_text("reference", qr.reference, 25, required=False)
    if not is_known(qr.mcc):
        raise InvalidQrField("mcc", "BAD_FORMAT", f"not a known merchant category code: {qr.mcc!r}")
    if qr.currency_numeric not in _NUMERIC_CURRENCIES:
        raise InvalidQrField("currency_numeric", "BAD_CURRENCY", f"not an ISO 4217 numeric code: {qr.currency_numeric!r}")
    if not is_country(qr.country):
        raise InvalidQrField("country", "BAD_FORMAT", f"not an ISO 3166-1 alpha-2 code: {qr.country!r}")
    if qr.amount is not None and not _is_emv_amount(qr.amount):
        raise InvalidQrField("amount", "BAD_AMOUNT", f"a positive decimal string of at most 13 characters, not {qr.amount!r}")


def _is_emv_amount(text: object) -> bool:
    """Whether the text is an EMV transaction amount: digits, optional ".", at most 13 characters, above zero."""
    return (
        isinstance(text, str) and len(text) <= 13
        and _AMOUNT.fullmatch(text) is not None and Decimal(text) > 0
    )


def encode(qr: MerchantQr) -> str:
    """The EMV MPM payload of one of our merchant QR codes, CRC included."""
    _check_merchant_qr(qr)
    account = tlv("00", OUR_GUI) + tlv("01", qr.merchant_id) + tlv("02", qr.merchant_request_id)
    parts = [tlv("00", "01"), tlv("01", "12" if qr.dynamic else "11"), tlv(OUR_TEMPLATE_ID, account)]
    parts += [tlv("52", qr.mcc), tlv("53", qr.currency_numeric)]
    if qr.amount is not None:
        parts.append(tlv("54", qr.amount))
    parts += [tlv("58", qr.country), tlv("59", qr.merchant_name), tlv("60", qr.merchant_city)]
    if qr.reference:
        parts.append(tlv("62", tlv("05", qr.reference)))
    body = "".join(parts) + "6304"
    return body + crc_of(body)


def parse_tlvs(text: str) -> list[tuple[str, str]]:
    """Split a run of data objects into (id, value) pairs; InvalidQr on a bad id, length or truncation."""
    pairs: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        header = text[position:position + 4]
        if len(header) < 4:
            raise InvalidQr("BAD_LENGTH", f"truncated data object at character {position}")
        field_id, length_text = header[:2], header[2:]
        if not (field_id.isascii() and field_id.isdigit() and length_text.isascii() and length_text.isdigit()):
            raise InvalidQr("BAD_FORMAT", f"id and length must be 2 digits each at character {position}")
        length = int(length_text)
        if length == 0:
            raise InvalidQr("BAD_LENGTH", f"empty data object {field_id}")
        value = text[position + 4:position + 4 + length]
        if len(value) < length:
            raise InvalidQr("BAD_LENGTH", f"data object {field_id} says {length} characters, {len(value)} remain")
        pairs.append((field_id, value))
        position += 4 + length
    return pairs


def _unique(pairs: list[tuple[str, str]], where: str) -> dict[str, str]:
    """The pairs as a dict; InvalidQr("DUPLICATE_FIELD") when an id repeats."""
    fields: dict[str, str] = {}
    for field_id, value in pairs:
        if field_id in fields:
            raise InvalidQr("DUPLICATE_FIELD", f"{where}{field_id} appears twice")
        fields[field_id] = value
    return fields


def _check_crc(payload: str, pairs: list[tuple[str, str]]) -> None:
    """63 must be present, last, 4 hex digits, and match the CRC of everything before its value."""
    if not any(field_id == "63" for field_id, _ in pairs):
        raise InvalidQr("MISSING_FIELD", "63 (CRC)")
    if pairs[-1][0] != "63" or not payload.endswith("6304" + pairs[-1][1]):
        raise InvalidQr("BAD_FORMAT", "the CRC (63) must be the last data object, 4 characters long")
    written = pairs[-1][1]
    if not _HEX4.fullmatch(written):
        raise InvalidQr("BAD_FORMAT", "the CRC must be 4 hex digits")
    if written.upper() != crc_of(payload[:-4]):
        raise InvalidQr("CRC_MISMATCH", f"written {written}, computed {crc_of(payload[:-4])}")


def _check_fields(fields: dict[str, str]) -> None:
    """Mandatory fields present, sizes and numeric formats right, values free of control characters."""
    for field_id in _MANDATORY:
        if field_id not in fields:
            raise InvalidQr("MISSING_FIELD", field_id)
    if not any(f"{i:02d}" in fields for i in range(2, 52)):
        raise InvalidQr("MISSING_FIELD", "no merchant account information (02-51)")
    for field_id, value in fields.items():
        if _CONTROL.search(value):
            raise InvalidQr("BAD_FORMAT", f"control character in {field_id}")
        if field_id in _EXACT_SIZE and len(value) != _EXACT_SIZE[field_id]:
            raise InvalidQr("BAD_FORMAT", f"{field_id} must have {_EXACT_SIZE[field_id]} characters")
        if field_id in _MAX_SIZE and len(value) > _MAX_SIZE[field_id]:
            raise InvalidQr("BAD_AMOUNT" if field_id == "54" else "FIELD_TOO_LONG", f"{field_id} over {_MAX_SIZE[field_id]} characters")
    if next(iter(fields)) != "00":
        raise InvalidQr("BAD_FORMAT", "the payload format indicator (00) must come first")
    if fields["00"] != "01":
        raise InvalidQr("BAD_FORMAT", "payload format indicator (00) must be 01")
    if fields.get("01", "11") not in ("11", "12"):
        raise InvalidQr("BAD_FORMAT", "point of initiation (01) must be 11 or 12")
    if not _DIGITS.fullmatch(fields["52"]):
        raise InvalidQr("BAD_FORMAT", "merchant category code (52) must be numeric")
    if fields["53"] not in _NUMERIC_CURRENCIES:
        raise InvalidQr("BAD_CURRENCY", f"{fields['53']!r} is no ISO 4217 numeric currency code")
    if "54" in fields and not _is_emv_amount(fields["54"]):
        raise InvalidQr("BAD_AMOUNT", f"{fields['54']!r}")
    if not (fields["58"].isascii() and fields["58"].isalpha() and fields["58"].isupper()):
        raise InvalidQr("BAD_FORMAT", "country code (58) must be 2 capital letters")


def decode(payload: str) -> DecodedQr:
    """Parse and check an EMV MPM payload; InvalidQr (with a reason from REASONS) when it is not valid."""
    if not isinstance(payload, str) or not payload:
        raise InvalidQr("BAD_FORMAT", "empty payload")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise InvalidQr("BAD_LENGTH", f"payload over {MAX_PAYLOAD_CHARS} characters")
    pairs = parse_tlvs(payload)
    _check_crc(payload, pairs)
    fields = _unique(pairs, "")
    _check_fields(fields)
    templates = {
        field_id: _unique(parse_tlvs(value), f"{field_id}.") for field_id, value in fields.items() if field_id in _TEMPLATE_IDS
    }
    ours = next(
        (sub for field_id, sub in templates.items() if int(field_id) <= 51 and sub.get("00", "").upper() == OUR_GUI),
        None,
    )
    if ours is not None and not ("01" in ours and "02" in ours):
        raise InvalidQr("MISSING_FIELD", f"our template {OUR_TEMPLATE_ID} needs a merchant id (01) and a request id (02)")
    additional = templates.get("62", {})
    if any(len(value) > 25 for value in additional.values()):
        raise InvalidQr("FIELD_TOO_LONG", "additional data (62) sub-fields hold at most 25 characters")
    alternate = templates.get("64", {})
    return DecodedQr(
        merchant_request_id=ours["02"] if ours else None,
        merchant_id=ours["01"] if ours else None,
        mcc=fields["52"],
        currency_numeric=fields["53"],
        amount=fields.get("54"),
        country=fields["58"],
        merchant_name=fields["59"],
        merchant_city=fields["60"],
        reference=additional.get("05") or additional.get("01"),
        dynamic=fields.get("01") == "12",
        raw=dict(fields),
        is_ours=ours is not None,
        merchant_name_alternate=alternate.get("01"),
        merchant_city_alternate=alternate.get("02"),
    )


def require_ours(decoded: DecodedQr) -> DecodedQr:
    """The decoded payload if it is one of our merchants' codes; InvalidQr("NOT_OUR_MERCHANT") otherwise."""
    if not decoded.is_ours:
        raise InvalidQr("NOT_OUR_MERCHANT", "no merchant account template carries our identifier")
    return decoded


def currency_code(currency_numeric: str) -> str | None:
    """The ISO 4217 alphabetic code of a numeric currency code ("156" -> "CNY"), or None if unknown."""
    return _NUMERIC_CURRENCIES.get(currency_numeric)
