"""The rails' settings, read from the environment: the callback secret and the simulated rail's behaviour.

The simulated rail is the one rail shipped: deterministic for a seed, with a
configurable latency and failure and return rates, so the demo, sandbox
partners and the tests see every outcome a real rail produces.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

SECRET_ENV = "QIANBAO_RAIL_CALLBACK_SECRET"
# Development and tests only: production refuses to accept callbacks without its own secret (config_problem).
DEVELOPMENT_SECRET = "whsec_cWlhbmJhby1yYWlsLWRldmVsb3BtZW50LXNlY3JldA=="


def _is_production() -> bool:
    return os.environ.get("QIANBAO_ENV", "development").strip().lower() == "production"


def callback_secret() -> str | None:
    """The secret rail callbacks are signed with (Standard Webhooks, whsec_...); None in production when unset."""
    value = os.environ.get(SECRET_ENV, "").strip()
    if value:
        return value
    return None if _is_production() else DEVELOPMENT_SECRET


def _float_env(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise SystemExit(f"{name} must be between {low} and {high}, got {raw!r}")
    return value


@dataclass(frozen=True)
class SimulatedRailSettings:
    """How the simulated rail behaves: seconds until it reports, and the share of transfers that fail or return."""

    seed: str = "qianbao"
    latency_s: float = 2.0
    return_latency_s: float = 10.0
    failure_rate: float = 0.0
    return_rate: float = 0.0

    @classmethod
    def from_env(cls) -> SimulatedRailSettings:
        """QIANBAO_SIMULATED_RAIL_{SEED,LATENCY_S,RETURN_LATENCY_S,FAILURE_RATE,RETURN_RATE} (rates 0..1)."""
        return cls(
            seed=os.environ.get("QIANBAO_SIMULATED_RAIL_SEED", "").strip() or cls.seed,
            latency_s=_float_env("QIANBAO_SIMULATED_RAIL_LATENCY_S", cls.latency_s, 0, 86_400),
            return_latency_s=_float_env("QIANBAO_SIMULATED_RAIL_RETURN_LATENCY_S", cls.return_latency_s, 0, 86_400 * 60),
            failure_rate=_float_env("QIANBAO_SIMULATED_RAIL_FAILURE_RATE", cls.failure_rate, 0, 1),
            return_rate=_float_env("QIANBAO_SIMULATED_RAIL_RETURN_RATE", cls.return_rate, 0, 1),
        )
