"""Merchant-presented QR payment requests (EMVCo MPM): creation and the payer's preview (qrDecode)."""
