"""How numbers read on screen: sizes, counts, durations, rates and a text progress bar."""

from __future__ import annotations

BAR_FULL = "█"
BAR_EMPTY = "░"


def size_text(size_bytes: int | None) -> str:
    """'532 B', '14.2 KB', '3.1 MB', '1.2 GB'."""
    if size_bytes is None:
        return "—"
    value = float(size_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def count_text(count: int | None) -> str:
    return "—" if count is None else f"{count:,}"


def duration_text(seconds: float | None) -> str:
    """'45 s', '3 min 20 s', '1 h 5 min'; '—' when unknown."""
    if seconds is None or seconds < 0:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def time_left(done: int, total: int, rate: float | None) -> float | None:
    """Seconds until `total` at `rate` per second, or None while the rate is unknown."""
    if not rate or rate <= 0 or total <= 0:
        return None
    return max(total - done, 0) / rate


def bar_text(done: int, total: int, width: int = 12) -> str:
    """'█████░░░░░░░' for `done` of `total`, in characters that read in any theme."""
    fraction = 0.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
    full = round(fraction * width)
    return BAR_FULL * full + BAR_EMPTY * (width - full)
