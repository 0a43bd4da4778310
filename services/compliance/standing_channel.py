"""Announcing a change of a customer's compliance standing (KYC tier, screening hold) or of a policy pack."""

from services.caches import STANDING_CHANNEL as CHANNEL
from services.change_feed import announce


async def announce_standing_changed() -> None:
    """Tell every worker to forget remembered tiers, holds and policy packs (call after the change commits)."""
    await announce(CHANNEL)
