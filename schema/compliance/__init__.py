"""GraphQL for the regional policy packs and customer limits."""
