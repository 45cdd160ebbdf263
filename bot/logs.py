"""Logging for `serve` and `worker`: plain lines by default, or one JSON object per line
when `SLM_LOG_FORMAT=json` (time, level, logger, message, and when known `error_id`,
`agreement_id`, and the exception as text)."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

PLAIN = "%(asctime)s %(levelname)s %(name)s %(message)s"
#: fields a log call may pass with `extra=` that the JSON form keeps
FIELDS = ("error_id", "agreement_id", "surface", "status")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure(level: int = logging.INFO, *, fmt: str | None = None) -> None:
    """Root logging as `SLM_LOG_FORMAT` (`json` or `plain`) says; like `basicConfig`, it
    leaves a root logger that already has handlers alone (an embedding program's, tests')."""
    root = logging.getLogger()
    if root.handlers:
        return
    fmt = (fmt or os.environ.get("SLM_LOG_FORMAT", "plain")).lower()
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(PLAIN))
    root.addHandler(handler)
    root.setLevel(level)
