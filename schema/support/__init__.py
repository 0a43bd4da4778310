"""Support tickets (issue 16 part 2) as GraphQL."""
