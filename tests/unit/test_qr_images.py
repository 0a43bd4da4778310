"""QR code and barcode images (services/payments/qr_images.py), read back with zxing-cpp."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from services.payments.emv_qr import MerchantQr, encode
from services.payments.qr_images import (
    barcode_svg,
    barcode_svg_data_url,
    make_qr,
    qr_png_data_url,
    qr_svg_data_url,
)

CHINESE_EXAMPLE = (  # the EMVCo MPM specification's example, with a UTF-8 template 64
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN"
    "5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***"
    "0708A60086670902ME91320016A0112233449988770708123456786304A13A"
)
ASCII_EXAMPLE = encode(
    MerchantQr("018f3c1e-7b7a-7c3e-9a1b-2f0c4d5e6f70", "M-000123", "5411", "156", "23.72", "CN", "BEST TRANSPORT", "BEIJING", "INV-1")
)


def data_url_bytes(url: str, mime_type: str) -> bytes:
    prefix = f"data:{mime_type};base64,"
    assert url.startswith(prefix)
    return base64.b64decode(url[len(prefix):], validate=True)


def read_all(image: Image.Image) -> list[tuple[str, str]]:
    return [(str(result.format), result.text) for result in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("payload", [ASCII_EXAMPLE, CHINESE_EXAMPLE])
def test_png_reads_back_exactly(payload):
    image = Image.open(io.BytesIO(data_url_bytes(qr_png_data_url(payload), "image/png")))
    assert image.format == "PNG" and image.size[0] == image.size[1]
    assert read_all(image) == [("QR Code", payload)]


@pytest.mark.parametrize("payload", [ASCII_EXAMPLE, CHINESE_EXAMPLE])
def test_qr_is_level_m(payload):
    qr = make_qr(payload)
    assert qr.error == "M" and qr.mode == "byte"


def test_png_has_a_quiet_zone_and_an_opaque_background():
    image = Image.open(io.BytesIO(data_url_bytes(qr_png_data_url(ASCII_EXAMPLE), "image/png"))).convert("RGBA")
    assert image.getpixel((0, 0)) == (255, 255, 255, 255)
    assert image.getpixel((4 * 8 - 1, 4 * 8 - 1)) == (255, 255, 255, 255)  # 4 modules of 8 pixels
    assert image.getpixel((4 * 8, 4 * 8)) == (0, 0, 0, 255)  # the finder pattern's corner


def test_svg_data_url():
    svg = data_url_bytes(qr_svg_data_url(CHINESE_EXAMPLE), "image/svg+xml").decode("utf-8")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert 'fill="#fff"' in svg or "#fff" in svg  # an opaque background


def test_qr_refuses_an_empty_payload():
    with pytest.raises(ValueError):
        qr_png_data_url("")


def rasterise_barcode(svg: bytes, pixels_per_mm: int = 10) -> Image.Image:
    """Draw the SVG's black rectangles with Pillow (no SVG renderer needed): what the SVG shows, bar for bar."""
    root = ET.fromstring(svg)
    mm = lambda text: float(re.fullmatch(r"([\d.]+)mm", text).group(1))  # noqa: E731
    image = Image.new("L", (round(mm(root.get("width")) * pixels_per_mm), round(mm(root.get("height")) * pixels_per_mm)), 255)
    draw = ImageDraw.Draw(image)
    bars = 0
    for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
        if "fill:black" not in (rect.get("style") or ""):
            continue
        x, y, width, height = (mm(rect.get(name)) * pixels_per_mm for name in ("x", "y", "width", "height"))
        draw.rectangle([round(x), round(y), round(x + width) - 1, round(y + height) - 1], fill=0)
        bars += 1
    assert bars > 0
    return image


@pytest.mark.parametrize("code", ["28012345678901234567", "1234567", "0", "000000000000000000"])
def test_barcode_reads_back_exactly(code):
    url = barcode_svg_data_url(code)
    image = rasterise_barcode(data_url_bytes(url, "image/svg+xml"))
    assert read_all(image) == [("Code 128", code)]


def test_barcode_uses_code_set_c_for_digit_strings():
    # Set C: start, one symbol per digit pair, check symbol (11 modules each), stop (13): 90 modules, not set B's 145.
    root = ET.fromstring(barcode_svg("1234567890"))
    bars = [rect for rect in root.iter("{http://www.w3.org/2000/svg}rect") if "fill:black" in (rect.get("style") or "")]
    first = float(bars[0].get("x")[:-2])
    last = float(bars[-1].get("x")[:-2]) + float(bars[-1].get("width")[:-2])
    assert round((last - first) / 0.4) == (1 + 5 + 1) * 11 + 13


@pytest.mark.parametrize("code", ["", "12a4", "１２３", "-123", "1" * 49, 123])
def test_barcode_refuses_non_digits(code):
    with pytest.raises(ValueError):
        barcode_svg_data_url(code)
