"""Payments: paying merchants, refunds, and the pure building blocks of merchant QR codes."""
