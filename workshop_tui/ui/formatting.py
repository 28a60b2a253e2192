"""Short, readable figures for tables and status lines: sizes, rates and times left."""

from __future__ import annotations

from datetime import UTC, datetime

from workshop_tui.services.throttle import describe_wait

_UNITS = (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3))
FOREVER_AFTER_S = 365 * 86400  # Ollama gives "keep loaded for ever" as an expiry years away


def byte_size(count: float | None) -> str:
    """'1.3 GB', '274 MB', '512 B'; '' when unknown."""
    if count is None:
        return ""
    for unit, scale in _UNITS:
        if count >= scale:
            value = count / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{count:.0f} B"


def rate(bytes_per_second: float | None) -> str:
    return f"{byte_size(bytes_per_second)}/s" if bytes_per_second else ""


def time_left(seconds: float | None) -> str:
    """'4 min 10 s left', or '' while it cannot be told."""
    return f"{describe_wait(seconds)} left" if seconds is not None and seconds >= 0 else ""


def until(moment: datetime | None, now: datetime | None = None) -> str:
    """How long until `moment`: 'for 4 min 10 s', 'until unloaded' for an expiry years away."""
    if moment is None:
        return ""
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds > FOREVER_AFTER_S:
        return "until unloaded"
    return f"for {describe_wait(seconds)}" if seconds > 0 else "unloading"


def count(value: int | None) -> str:
    """'131,072'; '' when unknown."""
    return "" if value is None else f"{value:,}"
