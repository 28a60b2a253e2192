"""Structured logging: one JSON object per line, to a rotating file in the data directory.

Never to the terminal the TUI draws on. Every line carries the session or request id from a
context variable, so one user's actions can be followed across layers. Values of keys that look
secret are replaced before anything is written.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

session_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("session_id", default="-")

_SECRET_KEY = re.compile(r"pass(word)?|secret|token|api_?key|hash|authorization|cookie", re.IGNORECASE)
_SECRET_INLINE = re.compile(
    r"(?i)\b(password|passwd|secret|api_?key|token|authorization)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"
)
_ARGON2_HASH = re.compile(r"\$argon2(id|i|d)\$[^\s\"']+")
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
LOGGER_NAME = "workshop_tui"


def new_session_id() -> str:
    return uuid.uuid4().hex[:12]


@contextmanager
def session_context(session_id: str | None = None) -> Iterator[str]:
    """Tag every log line written inside the block (and the tasks it starts) with a session id."""
    value = session_id or new_session_id()
    token = session_id_var.set(value)
    try:
        yield value
    finally:
        session_id_var.reset(token)


def redact(value: Any, key: str = "") -> Any:
    """Hide secrets in a logged value: by key name, inline `password=...`, and argon2 hashes."""
    if key and _SECRET_KEY.search(key) and not key.endswith(("_count", "_at", "_s", "_per_day")):
        return "***"
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return _ARGON2_HASH.sub("***", _SECRET_INLINE.sub(r"\1\2***", value))
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        import json  # here, not at the top: the app's first frame imports this module, not json

        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "session": getattr(record, "session_id", None) or session_id_var.get(),
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key != "session_id":
                entry[key] = redact(value, key)
        if record.exc_info:
            # Type and message only: formatted tracebacks can carry local values.
            exc_type, exc, _ = record.exc_info
            entry["error"] = redact(f"{exc_type.__name__ if exc_type else 'Error'}: {exc}")
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(log_dir: Path, level: str = "INFO") -> Path:
    """Send the project's logs to <log_dir>/workshop.log (rotating); return the file's path.

    Idempotent: calling it again replaces the previous handler.
    """
    import logging.handlers  # here, not at the top: the app's first frame imports this module

    log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = log_dir / "workshop.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=10 * 1024 * 1024, backupCount=5, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handler.set_name("workshop-json")
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    for logger in (logging.getLogger(LOGGER_NAME), logging.getLogger("alembic"), logging.getLogger("asyncssh")):
        for old in [h for h in logger.handlers if h.get_name() == "workshop-json"]:
            logger.removeHandler(old)
            old.close()
        logger.addHandler(handler)
        logger.setLevel(level if logger.name == LOGGER_NAME else "WARNING")
        logger.propagate = False
    return path


def get_logger(name: str) -> logging.Logger:
    """A logger below the project's root logger, e.g. get_logger(__name__)."""
    return logging.getLogger(name if name.startswith(LOGGER_NAME) else f"{LOGGER_NAME}.{name}")
