"""Webhook endpoints and deliveries (partners with the webhooks:manage scope)."""
