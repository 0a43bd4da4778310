"""The webhook settings read from the environment (one documented switch, refused in production)."""

from __future__ import annotations

import os

ALLOW_PRIVATE_ENV = "QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS"


def is_production() -> bool:
    return os.environ.get("QIANBAO_ENV", "development").strip().lower() == "production"


def allow_private_urls() -> bool:
    """QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS=true lets development and tests deliver to loopback/private addresses.

    Never in production: there the switch is ignored (and `qianbao serve`/`worker` refuse to start with it).
    """
    wanted = os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in {"1", "true", "yes"}
    return wanted and not is_production()


def config_problem() -> str | None:
    """Why the webhook settings cannot be used in this environment, or None."""
    wanted = os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in {"1", "true", "yes"}
    if wanted and is_production():
        return f"{ALLOW_PRIVATE_ENV}=true is refused in production (it would let webhooks reach internal addresses)"
    return None


DISPATCHER_ENV = "QIANBAO_WEBHOOK_DISPATCHER"


def in_process_dispatcher() -> bool:
    """Whether the API process runs the webhook dispatcher itself (the default; `serve --no-worker` turns it off)."""
    return os.environ.get(DISPATCHER_ENV, "in-process").strip().lower() != "off"
