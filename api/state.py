"""Process-wide objects built at start-up and shared by every request."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from api.settings import Settings
from auth.tokens import TokenAuthority


@dataclass
class AppState:
    settings: Settings
    tokens: TokenAuthority | None = None
    keys_loaded_at: float = field(default_factory=time.monotonic)
