"""Staff reporting queries (issue 17 part 1)."""
