"""The change-feed channel for a customer's compliance standing (KYC tier, screening hold, policy packs)."""

from services.change_feed import announce

CHANNEL = "qianbao_customer_standing"


async def announce_standing_changed() -> None:
    """Tell every worker to forget remembered tiers, holds and policy packs (call after the change commits)."""
    await announce(CHANNEL)
