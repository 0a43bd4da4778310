"""Runtime settings, read once from QIANBAO_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite://qianbao.sqlite3"
# What production mode (QIANBAO_ENV=production) cannot start without: `qianbao serve`
# refuses to start when one is unset (see api/cli/serve.py). The README's Docker and
# compose examples must set every one (tests/unit/test_docker_examples.py checks them).
PRODUCTION_REQUIRED_ENV: tuple[str, ...] = ("QIANBAO_MASTER_KEY",)


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
    rate_limit_rps: int = 200
    rate_limit_burst: int = 400
    login_rate_limit_per_min: int = 30
    request_timeout_s: int = 10
    # PostgreSQL session limits of the serving processes' pool (api.db.serving_session_settings): a posting waits
    # at most db_lock_timeout_ms for a row another transaction holds, and no statement runs past
    # db_statement_timeout_ms; either answers 503 UNAVAILABLE, safe to retry with the same idempotency key.
    db_lock_timeout_ms: int = 2000
    db_statement_timeout_ms: int = 30000
    # How often serve signs the audit chain's head (services.audit_checkpoint); audit verify --max-checkpoint-age
    # should allow about twice this.
    audit_checkpoint_interval_s: int = 300
    # On SIGTERM, serve stops accepting connections and gives requests in flight this long to finish (uvicorn's
    # timeout_graceful_shutdown), then stops the background jobs (each at a transaction boundary) and the pool.
    shutdown_grace_s: int = 20
    # At the edge (api/http_protocol.py): request line and headers at most this many bytes (431 past it), and sent
    # within this many seconds of the first byte (408 after, against clients that trickle headers).
    max_header_bytes: int = 16_384
    header_timeout_s: int = 10
    # ...and a request's body within this many seconds of the end of its headers (408 after: a client trickling
    # a body would otherwise hold a connection and a request task for as long as it likes).
    body_timeout_s: int = 60
    # How long an idempotency key replays its original result before the retention job deletes it (services.retention).
    idempotency_retention_hours: int = 72
    staff_token_ttl_s: int = 900
    log_format: str = "text"  # QIANBAO_LOG_FORMAT: "text" (default) or "json", one JSON object per qianbao.* line
    # QIANBAO_METRICS_TOKEN: /metrics answers only `Authorization: Bearer <it>`; unset, it is open outside
    # production and closed (404) in production.
    metrics_token: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@dataclass(frozen=True)
class FxSettings:
    """Foreign exchange (services.fx): how old a rate may be before quoting refuses it, and how long a quote holds."""

    rate_max_age_s: int = 3600
    quote_ttl_s: int = 30


def load_fx_settings() -> FxSettings:
    """QIANBAO_FX_RATE_MAX_AGE_S (default 3600: one hour) and QIANBAO_FX_QUOTE_TTL_S (default 30 seconds)."""
    fx = FxSettings(
        rate_max_age_s=_int_env("QIANBAO_FX_RATE_MAX_AGE_S", 3600), quote_ttl_s=_int_env("QIANBAO_FX_QUOTE_TTL_S", 30),
    )
    if fx.rate_max_age_s < 1 or not 1 <= fx.quote_ttl_s <= 3600:
        raise SystemExit("QIANBAO_FX_RATE_MAX_AGE_S must be positive and QIANBAO_FX_QUOTE_TTL_S between 1 and 3600")
    return fx


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
        "rate_limit_rps": _int_env("QIANBAO_RATE_LIMIT_RPS", 200),
        "rate_limit_burst": _int_env("QIANBAO_RATE_LIMIT_BURST", 400),
        "login_rate_limit_per_min": _int_env("QIANBAO_LOGIN_RATE_LIMIT_PER_MIN", 30),
        "request_timeout_s": _int_env("QIANBAO_REQUEST_TIMEOUT_S", 10),
        "db_lock_timeout_ms": _int_env("QIANBAO_DB_LOCK_TIMEOUT_MS", 2000),
        "db_statement_timeout_ms": _int_env("QIANBAO_DB_STATEMENT_TIMEOUT_MS", 30000),
        "audit_checkpoint_interval_s": _int_env("QIANBAO_AUDIT_CHECKPOINT_S", 300),
        "idempotency_retention_hours": _int_env("QIANBAO_IDEMPOTENCY_RETENTION_HOURS", 72),
        "shutdown_grace_s": _int_env("QIANBAO_SHUTDOWN_GRACE_S", 20),
        "max_header_bytes": _int_env("QIANBAO_MAX_HEADER_BYTES", 16_384),
        "header_timeout_s": _int_env("QIANBAO_HEADER_TIMEOUT_S", 10),
        "body_timeout_s": _int_env("QIANBAO_BODY_TIMEOUT_S", 60),
        "staff_token_ttl_s": _int_env("QIANBAO_STAFF_TOKEN_TTL_S", 900),
        "log_format": os.environ.get("QIANBAO_LOG_FORMAT", "text").strip().lower() or "text",
        "metrics_token": os.environ.get("QIANBAO_METRICS_TOKEN") or None,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.env not in {"development", "production", "test"}:
        raise SystemExit(f"QIANBAO_ENV must be development, production or test, got {settings.env!r}")
    if not 60 <= settings.partner_token_ttl_s <= 3600:
        raise SystemExit("QIANBAO_TOKEN_TTL_S must be between 60 and 3600 seconds")
    if not 60 <= settings.staff_token_ttl_s <= 3600:
        raise SystemExit("QIANBAO_STAFF_TOKEN_TTL_S must be between 60 and 3600 seconds")
    if settings.rate_limit_rps < 1 or settings.rate_limit_burst < 1 or settings.login_rate_limit_per_min < 1:
        raise SystemExit("QIANBAO_RATE_LIMIT_RPS, QIANBAO_RATE_LIMIT_BURST and QIANBAO_LOGIN_RATE_LIMIT_PER_MIN must be positive")
    if settings.log_format not in {"text", "json"}:
        raise SystemExit(f"QIANBAO_LOG_FORMAT must be text or json, got {settings.log_format!r}")
    if settings.metrics_token is not None and (len(settings.metrics_token) < 32 or not settings.metrics_token.isprintable()
                                               or " " in settings.metrics_token):
        raise SystemExit("QIANBAO_METRICS_TOKEN must be at least 32 printable characters without spaces")
    if not 1 <= settings.request_timeout_s <= 300:
        raise SystemExit("QIANBAO_REQUEST_TIMEOUT_S must be between 1 and 300 seconds")
    if not 100 <= settings.db_lock_timeout_ms <= 60_000:
        raise SystemExit("QIANBAO_DB_LOCK_TIMEOUT_MS must be between 100 and 60000 milliseconds")
    if not 1_024 <= settings.max_header_bytes <= 1_048_576:
        raise SystemExit("QIANBAO_MAX_HEADER_BYTES must be between 1024 and 1048576")
    if not 1 <= settings.header_timeout_s <= 300:
        raise SystemExit("QIANBAO_HEADER_TIMEOUT_S must be between 1 and 300 seconds")
    if not 1 <= settings.body_timeout_s <= 600:
        raise SystemExit("QIANBAO_BODY_TIMEOUT_S must be between 1 and 600 seconds")
    if not 1 <= settings.shutdown_grace_s <= 600:
        raise SystemExit("QIANBAO_SHUTDOWN_GRACE_S must be between 1 and 600 seconds")
    if not 72 <= settings.idempotency_retention_hours <= 8_760:
        raise SystemExit("QIANBAO_IDEMPOTENCY_RETENTION_HOURS must be between 72 and 8760 hours (keys are kept at least 72 hours)")
    if not 10 <= settings.audit_checkpoint_interval_s <= 86_400:
        raise SystemExit("QIANBAO_AUDIT_CHECKPOINT_S must be between 10 and 86400 seconds")
    if not 1000 <= settings.db_statement_timeout_ms <= 3_600_000:
        raise SystemExit("QIANBAO_DB_STATEMENT_TIMEOUT_MS must be between 1000 and 3600000 milliseconds")
    return settings
