"""Sanctions and watchlist screening: name normalisation, the in-memory matcher, list loading, customer screening."""
