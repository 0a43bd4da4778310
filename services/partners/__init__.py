"""Partners and their OAuth clients: onboarding, status, API clients and secrets, credentials, fee share, reads."""
