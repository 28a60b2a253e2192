"""How numbers read on screen: sizes, counts, rates, durations, times left and a text progress bar.

Each takes None for "not known yet" and then shows `unknown` (empty by default; tables pass "—")."""

from __future__ import annotations

from datetime import UTC, datetime

from workshop_tui.services.throttle import describe_wait

_UNITS = (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3))
FOREVER_AFTER_S = 365 * 86400  # Ollama gives "keep loaded for ever" as an expiry years away
BAR_FULL = "█"
BAR_EMPTY = "░"


def byte_size(size: float | None, unknown: str = "") -> str:
    """'1.3 GB', '274 MB', '512 B'."""
    if size is None:
        return unknown
    for unit, scale in _UNITS:
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{size:.0f} B"


def count(value: int | None, unknown: str = "") -> str:
    """'131,072'."""
    return unknown if value is None else f"{value:,}"


def rate(bytes_per_second: float | None) -> str:
    return f"{byte_size(bytes_per_second)}/s" if bytes_per_second else ""


def duration(seconds: float | None, unknown: str = "—") -> str:
    """'45 s', '3 min 20 s', '1 h 5 min'."""
    return unknown if seconds is None or seconds < 0 else describe_wait(seconds)


def time_left(seconds: float | None) -> str:
    """'4 min 10 s left', or '' while it cannot be told."""
    return f"{describe_wait(seconds)} left" if seconds is not None and seconds >= 0 else ""


def seconds_left(done: int, total: int, per_second: float | None) -> float | None:
    """Seconds until `total` at `per_second`, or None while the rate is unknown."""
    if not per_second or per_second <= 0 or total <= 0:
        return None
    return max(total - done, 0) / per_second


def until(moment: datetime | None, now: datetime | None = None) -> str:
    """How long until `moment`: 'for 4 min 10 s', 'until unloaded' for an expiry years away."""
    if moment is None:
        return ""
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds > FOREVER_AFTER_S:
        return "until unloaded"
    return f"for {describe_wait(seconds)}" if seconds > 0 else "unloading"


def bar_text(done: int, total: int, width: int = 12) -> str:
    """'█████░░░░░░░' for `done` of `total`, in characters that read in any theme."""
    fraction = 0.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
    full = round(fraction * width)
    return BAR_FULL * full + BAR_EMPTY * (width - full)
