"""Disputes (issue 16 part 3): a payment's ticket becomes a dispute, the merchant responds, staff decide."""
