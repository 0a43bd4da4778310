"""Disputes (issue 16 part 3) as GraphQL."""
