"""Webhooks: partner endpoints, signed deliveries of domain events (Standard Webhooks), retries and URL safety."""
