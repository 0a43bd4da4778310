"""Every per-process cache of the services, in one place: what it holds, what invalidates it, how large it may grow.

A cache is a bounded dict: when it is full it is emptied (a cheap bound that
keeps memory flat; every entry can be read again from the database). A cache
whose data can change names the change-feed channel that announces the change
(services.change_feed); `wire_caches()` subscribes them all, once, when the
application or a command starts (api.db.init_orm) — never as a side effect
of importing a module. Caches of facts that never change need no channel.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

# Channels through which a change is announced to every worker.
AUTH_CHANNEL = "qianbao_auth"                    # clients, partners, staff, revoked tokens
FEES_CHANNEL = "qianbao_fees"                    # fee rules and partner fee shares
STANDING_CHANNEL = "qianbao_customer_standing"   # a customer's KYC tier or screening status, a policy pack
WATCHLIST_CHANNEL = "qianbao_watchlist"          # a watchlist was loaded
OWN_LIMITS_CHANNEL = "qianbao_own_limits"        # a customer set or cleared its own limits
MERCHANTS_CHANNEL = "qianbao_merchants"          # a merchant was suspended or reactivated


@dataclass
class BoundedCache:
    """A dict with a size bound, a reason to exist and the channel that invalidates it (None: never stale)."""

    name: str
    bound: int
    channel: str | None
    holds: str
    data: dict[Hashable, Any] = field(default_factory=dict)
    generation: int = 0  # bumped by every clear: a value computed across a clear is not kept

    def get(self, key: Hashable) -> Any:
        """The cached value, or None."""
        return self.data.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        """Remember a value, emptying the cache first when it is full."""
        if len(self.data) >= self.bound and key not in self.data:
            self.data.clear()
        self.data[key] = value

    def discard(self, key: Hashable) -> None:
        """Forget one key (nothing if it is not there)."""
        self.data.pop(key, None)

    def clear(self) -> None:
        """Forget everything (an announced change, or a test that recreates the database)."""
        self.data.clear()
        self.generation += 1

    def __contains__(self, key: Hashable) -> bool:
        return key in self.data


WALLET_FACTS = BoundedCache("wallet_facts", 200_000, None, "wallet -> partner, customer, currency, account (never change)")
FEE_CUSTOMERS = BoundedCache("fee_customers", 200_000, None, "wallet -> its customer's id, kind and country (never change)")
SYSTEM_ACCOUNTS = BoundedCache("system_accounts", 10_000, None, "'KIND:CURRENCY' -> the bank's account id (never changes)")
PARTNER_ENVIRONMENTS = BoundedCache(
    "partner_environments", 100_000, None, "partner -> LIVE or SANDBOX (fixed at partnerCreate, never changes)"
)
USAGE_ROWS = BoundedCache("usage_rows", 200_000, None, "(customer, currency) pairs whose limit-usage row exists")
LAST_ACTIVE = BoundedCache("last_active", 200_000, None, "wallet -> when this process last saw it move money (only grows)")
DATA_KEYS = BoundedCache("data_keys", 1_000, None, "PII data key id -> the unwrapped key")
LIVE_TOKENS = BoundedCache("live_tokens", 50_000, AUTH_CHANNEL, "token id -> until when it is known live")
FEE_SCHEDULE = BoundedCache("fee_schedule", 1, FEES_CHANNEL, "the fee rules in force, with when to re-read them")
FEE_SHARES = BoundedCache("fee_shares", 100_000, FEES_CHANNEL, "partner -> its fee share in basis points")
STANDINGS = BoundedCache("standings", 200_000, STANDING_CHANNEL, "customer -> country, kind, KYC tier, screening status")
POLICY_PACKS = BoundedCache("policy_packs", 1_000, STANDING_CHANNEL, "jurisdiction -> its compliance policy pack")
WATCHLIST_INDEX = BoundedCache("watchlist_index", 1, WATCHLIST_CHANNEL, "the screening index built from every watchlist")
OWN_LIMITS = BoundedCache("own_limits", 200_000, OWN_LIMITS_CHANNEL,
                          "(customer, currency) -> the daily and per-transaction limits it set itself (or none)")

QR_DECODES = BoundedCache("qr_decodes", 10_000, None, "EMV payload -> its decoded fields (a pure function of the text)")
PAYABLE_REQUESTS = BoundedCache(
    "payable_requests", 10_000, MERCHANTS_CHANNEL,
    "multi-use payment request -> its row with its merchant's and settlement wallet's, as last read ACTIVE"
    " (paymentCreate only; the posting re-checks the wallet under lock, a merchant's status change is announced)",
)
POINTS_PROGRAMS = BoundedCache(
    "points_programs", 10_000, None, "points programme id -> its row (a programme never changes after pointsProgramCreate)"
)

REGISTRY: tuple[BoundedCache, ...] = (
    WALLET_FACTS, FEE_CUSTOMERS, SYSTEM_ACCOUNTS, PARTNER_ENVIRONMENTS, USAGE_ROWS, LAST_ACTIVE, DATA_KEYS,
    LIVE_TOKENS, FEE_SCHEDULE, FEE_SHARES, STANDINGS, POLICY_PACKS, WATCHLIST_INDEX, OWN_LIMITS,
    QR_DECODES, PAYABLE_REQUESTS, POINTS_PROGRAMS,
)

_wired = False


def wire_caches(subscribe: Callable[[str, Callable[[], None]], None]) -> None:
    """Subscribe every cache that can go stale to its channel (once per process)."""
    global _wired
    if _wired:
        return
    for cache in REGISTRY:
        if cache.channel is not None:
            subscribe(cache.channel, cache.clear)
    _wired = True


def clear_all_caches() -> None:
    """Forget every cached value (a test that recreates the database, or a restore)."""
    for cache in REGISTRY:
        cache.clear()
