"""Wallet statements: opening and closing balance, every line with its running balance, totals; CSV and PDF."""
