"""Process-wide objects built at start-up and shared by every request."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from api.rate_limit import RateLimiter
from api.settings import Settings
from auth.tokens import TokenAuthority


@dataclass
class AppState:
    settings: Settings
    tokens: TokenAuthority | None = None
    keys_loaded_at: float = field(default_factory=time.monotonic)
    api_limiter: RateLimiter | None = None  # per partner (or staff user), one token per root field
    login_limiter: RateLimiter | None = None  # per client id or e-mail on the token endpoints
