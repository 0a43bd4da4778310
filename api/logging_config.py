"""Logging for `qianbao serve`: uvicorn's own configuration, plus the application's loggers.

Without it the `qianbao.*` loggers have no handler under uvicorn, and their INFO lines
(one access line per request, with its request id and, for a refusal, its code) are lost.

QIANBAO_LOG_FORMAT=json (issue 17 part 5) makes every `qianbao.*` line one JSON object:
time, level, logger, message and, for access lines, request_id, partner_id, method,
path, status, ms and codes. The default stays the text line.
"""

from __future__ import annotations

import copy
import json
import logging
import os
from datetime import datetime, timezone
from typing import Any

APP_LOGGERS = ("qianbao", "strawberry")
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
ACCESS_FIELDS = ("request_id", "partner_id", "method", "path", "status", "ms", "codes")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the access fields, and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            document.update({name: access.get(name) for name in ACCESS_FIELDS})
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


def log_config(level: str, fmt: str | None = None) -> dict[str, Any]:
    """A logging.config.dictConfig dict for uvicorn.run(log_config=...): uvicorn's loggers as
    uvicorn sets them up, and ours at `level` on standard error, one line (or JSON object) per record."""
    from uvicorn.config import LOGGING_CONFIG

    fmt = fmt or os.environ.get("QIANBAO_LOG_FORMAT", "text").strip().lower() or "text"
    config = copy.deepcopy(LOGGING_CONFIG)
    if fmt == "json":
        config["formatters"]["qianbao"] = {"()": "api.logging_config.JsonFormatter"}
    else:
        config["formatters"]["qianbao"] = {"format": LINE_FORMAT}
    config["handlers"]["qianbao"] = {"class": "logging.StreamHandler", "formatter": "qianbao", "stream": "ext://sys.stderr"}
    for name in APP_LOGGERS:
        config["loggers"][name] = {"handlers": ["qianbao"], "level": level.upper(), "propagate": False}
    return config
