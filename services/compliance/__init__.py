"""Compliance: policy packs, tiers and limits, customer standing."""
