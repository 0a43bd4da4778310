"""Runtime settings, read once from QIANBAO_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite://qianbao.sqlite3"


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    env: str = "development"
    issuer: str = "qianbao"
    audience: str = "qianbao-api"
    partner_token_ttl_s: int = 600
    max_page_size: int = 100
    redis_url: str | None = None
    argon2_profile: str = "default"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning."""
    values: dict[str, object] = {
        "database_url": os.environ.get("QIANBAO_DATABASE_URL") or DEFAULT_DATABASE_URL,
        "env": os.environ.get("QIANBAO_ENV", "development").strip().lower() or "development",
        "issuer": os.environ.get("QIANBAO_ISSUER", "qianbao"),
        "audience": os.environ.get("QIANBAO_AUDIENCE", "qianbao-api"),
        "partner_token_ttl_s": _int_env("QIANBAO_TOKEN_TTL_S", 600),
        "redis_url": os.environ.get("QIANBAO_REDIS_URL") or None,
        "argon2_profile": os.environ.get("QIANBAO_ARGON2_PROFILE", "default"),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.env not in {"development", "production", "test"}:
        raise SystemExit(f"QIANBAO_ENV must be development, production or test, got {settings.env!r}")
    if not 60 <= settings.partner_token_ttl_s <= 3600:
        raise SystemExit("QIANBAO_TOKEN_TTL_S must be between 60 and 3600 seconds")
    return settings
