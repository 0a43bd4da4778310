"""Pictures of payment codes as data URLs: QR codes (segno) and Code 128 barcodes (python-barcode).

QR codes: segno (pure Python, no dependencies). Error correction level M
(15 % of the code may be damaged or covered), byte mode with UTF-8 always, so
an EMV payload with a Chinese alternate-language template reads back exactly
and segno never picks Kanji (Shift JIS) mode for it; no ECI header, as EMV
payment apps do not expect one. 8 pixels a module in the PNG and the
4-module quiet zone the QR standard asks for: a 174-character payload
(version 9, 53 modules) becomes a 488-pixel square, sharp on a phone screen and
easy for a camera. The SVG has the same geometry and scales without loss.
Both have an opaque white background, so a dark-mode screen does not turn the
quiet zone black.

Barcodes: segno only makes QR codes, so Code 128 comes from python-barcode
(MIT licence, pure Python, no dependencies, maintained); it picks code set C
(two digits a symbol) for digit strings and computes the modulo-103 check
symbol. The digits are not printed under the bars: a payment code is a bearer
token, and the app decides whether and how to show it.
"""

from __future__ import annotations

import base64
import io

import segno
from barcode.codex import Code128
from barcode.writer import SVGWriter

QR_ERROR_LEVEL = "m"
QR_SCALE = 8
QR_BORDER = 4
MAX_BARCODE_DIGITS = 48
BARCODE_OPTIONS = {
    "module_width": 0.4,  # mm; the SVG scales, only the proportions matter
    "module_height": 20.0,
    "quiet_zone": 4.0,  # 10 modules, the Code 128 minimum
    "write_text": False,
}


def _data_url(mime_type: str, content: bytes) -> str:
    """A base64 data URL of the content."""
    return f"data:{mime_type};base64,{base64.b64encode(content).decode('ascii')}"


def make_qr(payload: str) -> segno.QRCode:
    """The QR code of the payload: level M, byte mode, UTF-8."""
    if not isinstance(payload, str) or not payload:
        raise ValueError("a QR code needs a non-empty text payload")
    return segno.make_qr(payload, error=QR_ERROR_LEVEL, mode="byte", encoding="utf-8", boost_error=False)


def qr_svg_data_url(payload: str) -> str:
    """The QR code of the payload as an SVG data URL."""
    buffer = io.BytesIO()
    make_qr(payload).save(buffer, kind="svg", scale=QR_SCALE, border=QR_BORDER, dark="#000", light="#fff", xmldecl=False, nl=False)
    return _data_url("image/svg+xml", buffer.getvalue())


def qr_png_data_url(payload: str) -> str:
    """The QR code of the payload as a PNG data URL."""
    buffer = io.BytesIO()
    make_qr(payload).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER, dark="#000", light="#fff")
    return _data_url("image/png", buffer.getvalue())


def barcode_svg(numeric_code: str) -> bytes:
    """The Code 128 barcode of a numeric payment code as SVG bytes; ValueError unless it is 1 to 48 ASCII digits."""
    if not (isinstance(numeric_code, str) and numeric_code.isascii() and numeric_code.isdigit()):
        raise ValueError("a payment barcode encodes ASCII digits only")
    if len(numeric_code) > MAX_BARCODE_DIGITS:
        raise ValueError(f"a payment barcode encodes at most {MAX_BARCODE_DIGITS} digits")
    return Code128(numeric_code, writer=SVGWriter()).render(dict(BARCODE_OPTIONS))


def barcode_svg_data_url(numeric_code: str) -> str:
    """The Code 128 barcode of a numeric payment code as an SVG data URL."""
    return _data_url("image/svg+xml", barcode_svg(numeric_code))
