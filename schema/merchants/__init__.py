"""Merchants, merchant-presented QR payment requests and qrDecode (issue 13)."""
