"""The QR images the API hands out decode, with an independent decoder (zxing-cpp), to the exact payload."""

from __future__ import annotations

import base64
import io

import zxingcpp
from PIL import Image

from tests.api.merchant_support import new_merchant, new_request
from tests.factories import ApiClientFactory

PNG_PREFIX = "data:image/png;base64,"


def _decoded(data_url: str) -> list[str]:
    """Every code zxing-cpp reads in a PNG data URL."""
    assert data_url.startswith(PNG_PREFIX)
    image = Image.open(io.BytesIO(base64.b64decode(data_url[len(PNG_PREFIX):])))
    # QR codes only: zxing-cpp's 1D readers sometimes see a short "barcode" in a QR code's modules (seen once in
    # CI: an extra '5105' beside the payload), which says nothing about the image the API made.
    return [result.text for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


async def test_a_payment_requests_png_decodes_to_its_payload(clients: ApiClientFactory):
    shop = await clients.partner()
    merchant = await new_merchant(shop)
    static = await new_request(shop, merchant["id"])
    dynamic = await new_request(shop, merchant["id"], amount="88.80", reference="INV-2026-0042", singleUse=True)
    for request in (static, dynamic):
        shown = (await shop.ok("query($id: ID!) { node(id: $id) { ... on PaymentRequest { payload imagePng } } }",
                               {"id": request["id"]}))["node"]
        assert shown["payload"] == request["payload"]
        assert _decoded(shown["imagePng"]) == [request["payload"]]
