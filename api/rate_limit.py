"""Token-bucket rate limits: in Redis when QIANBAO_REDIS_URL is set (shared by every
worker and host), else in this process's memory (then each worker counts alone)."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Protocol, TypeVar

from redis.exceptions import RedisError
from starlette.responses import Response

log = logging.getLogger("qianbao.ratelimit")

R = TypeVar("R", bound=Response)

# KEYS[1] bucket; ARGV rate/s, burst, cost. Redis's own clock, so every host agrees.
_TAKE_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = redis.call('TIME')
local now_s = tonumber(now[1]) + tonumber(now[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now_s
tokens = math.min(burst, tokens + math.max(0, now_s - ts) * rate)
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now_s)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class RateLimiter(Protocol):
    async def take(self, key: str, cost: int) -> float:
        """Take `cost` tokens from the key's bucket: 0 if allowed, else seconds to wait."""
        ...


class MemoryRateLimiter:
    def __init__(self, *, rate_per_s: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate, self.burst, self.max_keys = rate_per_s, burst, max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str, cost: int) -> float:
        now = time.monotonic()
        tokens, ts = self._buckets.get(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - ts) * self.rate)
        wait = 0.0
        if tokens >= cost:
            tokens -= cost
        else:
            wait = (cost - tokens) / self.rate
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._buckets.clear()  # bounded memory: forgetting buckets only ever lets callers through sooner
        self._buckets[key] = (tokens, now)
        return wait


class RedisRateLimiter:
    def __init__(self, *, url: str, rate_per_s: float, burst: int, prefix: str = "qianbao:rl:") -> None:
        import redis.asyncio as redis

        self.client = redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.rate, self.burst, self.prefix = rate_per_s, burst, prefix
        self._script = self.client.register_script(_TAKE_LUA)
        self._fallback = MemoryRateLimiter(rate_per_s=rate_per_s, burst=burst)

    async def take(self, key: str, cost: int) -> float:
        try:
            wait = await self._script(keys=[self.prefix + key], args=[self.rate, self.burst, cost])
        except RedisError:
            # Redis down: keep serving, limited per process, rather than failing every request.
            log.warning("Redis rate limiter unavailable; using this worker's in-memory buckets")
            return await self._fallback.take(key, cost)
        return float(wait)

    async def close(self) -> None:
        await self.client.aclose()


def build_limiter(*, redis_url: str | None, rate_per_s: float, burst: int, prefix: str) -> RateLimiter:
    """A Redis-backed limiter when a Redis URL is configured, else an in-memory one."""
    if redis_url:
        return RedisRateLimiter(url=redis_url, rate_per_s=rate_per_s, burst=burst, prefix=prefix)
    return MemoryRateLimiter(rate_per_s=rate_per_s, burst=burst)


def retry_after_header(wait_s: float) -> str:
    """Retry-After in whole seconds, at least 1."""
    return str(max(1, math.ceil(wait_s)))


def rate_limited(refusal: R, wait_s: float) -> R:
    """The answer to a caller over its rate: the endpoint's own error body as HTTP 429, with Retry-After."""
    refusal.status_code = 429
    refusal.headers["Retry-After"] = retry_after_header(wait_s)
    return refusal


async def check_redis(url: str) -> None:
    """Fail fast at start when the configured Redis does not answer."""
    import redis.asyncio as redis

    client = redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
    try:
        await asyncio.wait_for(client.ping(), 3.0)
    finally:
        await client.aclose()
