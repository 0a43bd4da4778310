"""Merchants of BUSINESS customers: creation, suspension and reads (issue 13)."""
