"""GraphQL for AML alerts and cases."""
