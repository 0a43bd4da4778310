"""walletStatement: a wallet's statement for a period (GraphQL); the CSV and PDF are api/statements.py."""
