"""Staff reporting (issue 17): daily rollups of closed days, the raw ledger for the rest, and the report queries."""
