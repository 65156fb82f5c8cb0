"""Access logs without secrets: query strings (tokens, signatures, emails) and download tokens
never reach the log."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

_TOKEN_SEGMENT = re.compile(r"(/download/)[^/?]+")


def redact_path(path: str) -> str:
    """`path?query` → `path?…`, and a download token in the path → `…`."""
    bare, sep, _query = path.partition("?")
    return _TOKEN_SEGMENT.sub(r"\1…", bare) + ("?…" if sep else "")


class RedactPaths(logging.Filter):
    """Rewrite the path argument of uvicorn's access log records (client, method, path, …)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging setup with RedactPaths on the access log."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": RedactPaths}}
    config["handlers"]["access"]["filters"] = ["redact"]
    for logger in config["loggers"].values():
        logger["level"] = level.upper()
    return config
