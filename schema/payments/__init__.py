"""Payments to merchants and refunds: the GraphQL types and operations."""
