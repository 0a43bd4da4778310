"""Settlement files from the rails and reconciliation: importing them, their exceptions, the daily report."""
