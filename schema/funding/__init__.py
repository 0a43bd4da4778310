"""GraphQL types and operations of linked bank accounts and cards (issue 14)."""
