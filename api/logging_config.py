"""Logging for `qianbao serve`: uvicorn's own configuration, plus the application's loggers.

Without it the `qianbao.*` loggers have no handler under uvicorn, and their INFO lines
(one access line per request, with its request id and, for a refusal, its code) are lost.
"""

from __future__ import annotations

import copy
from typing import Any

APP_LOGGERS = ("qianbao", "strawberry")
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def log_config(level: str) -> dict[str, Any]:
    """A logging.config.dictConfig dict for uvicorn.run(log_config=...): uvicorn's loggers as
    uvicorn sets them up, and ours at `level` on standard error, one line per record."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["qianbao"] = {"format": LINE_FORMAT}
    config["handlers"]["qianbao"] = {"class": "logging.StreamHandler", "formatter": "qianbao", "stream": "ext://sys.stderr"}
    for name in APP_LOGGERS:
        config["loggers"][name] = {"handlers": ["qianbao"], "level": level.upper(), "propagate": False}
    return config
