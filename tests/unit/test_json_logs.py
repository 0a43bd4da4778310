"""Issue 17 part 5: QIANBAO_LOG_FORMAT=json makes every qianbao.* line one JSON object; text stays the default."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from api.logging_config import LINE_FORMAT, JsonFormatter, log_config
from api.settings import load_settings

ACCESS = {"request_id": "r-1", "partner_id": "p-1", "method": "POST", "path": "/graphql", "status": 200, "ms": 3.2, "codes": []}


def _record(message: str, *args: object, access: dict | None = None, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    record = logging.LogRecord("qianbao.access", logging.INFO, __file__, 1, message, args, exc_info)
    if access is not None:
        record.access = access
    return record


def test_an_access_line_is_one_json_object_with_every_field():
    line = JsonFormatter().format(_record("%s %s %s", "POST", "/graphql", 200, access=ACCESS))
    assert "\n" not in line
    document = json.loads(line)
    assert document["level"] == "INFO" and document["logger"] == "qianbao.access"
    assert document["message"] == "POST /graphql 200"
    assert document["time"].endswith("Z")
    assert {k: document[k] for k in ACCESS} == ACCESS


def test_a_plain_line_has_the_four_fields_and_a_traceback_stays_inside_the_object():
    document = json.loads(JsonFormatter().format(_record("hello \"quoted\"\nsecond line")))
    assert set(document) == {"time", "level", "logger", "message"}
    assert document["message"] == "hello \"quoted\"\nsecond line"
    line = JsonFormatter().format(_record("failed", exc=True))
    assert "\n" not in line and "ValueError: boom" in json.loads(line)["exception"]


def _configured_output(fmt: str | None, monkeypatch: pytest.MonkeyPatch) -> str:
    config = log_config("info", fmt)
    stream = io.StringIO()
    config["handlers"]["qianbao"] = {"class": "logging.StreamHandler", "formatter": "qianbao", "stream": stream}
    logging.config.dictConfig(config)
    try:
        logging.getLogger("qianbao.access").info("GET %s %s", "/healthz", 200, extra={"access": ACCESS})
    finally:
        for name in ("qianbao", "strawberry"):  # give pytest's capture its loggers back
            logger = logging.getLogger(name)
            logger.handlers.clear()
            logger.propagate = True
            logger.setLevel(logging.NOTSET)
    return stream.getvalue()


def test_json_format_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("QIANBAO_LOG_FORMAT", "json")
    assert load_settings().log_format == "json"
    output = _configured_output(None, monkeypatch)
    document = json.loads(output.strip())
    assert document["message"] == "GET /healthz 200" and document["request_id"] == "r-1"


def test_text_stays_the_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("QIANBAO_LOG_FORMAT", raising=False)
    assert load_settings().log_format == "text"
    assert log_config("info")["formatters"]["qianbao"] == {"format": LINE_FORMAT}
    output = _configured_output(None, monkeypatch)
    assert output.rstrip().endswith("INFO qianbao.access GET /healthz 200")
    with pytest.raises(ValueError):
        json.loads(output)


def test_an_unknown_format_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("QIANBAO_LOG_FORMAT", "xml")
    with pytest.raises(SystemExit, match="QIANBAO_LOG_FORMAT"):
        load_settings()
