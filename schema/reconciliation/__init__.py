"""GraphQL of settlement reconciliation: exceptions and the daily report (bank staff only)."""
