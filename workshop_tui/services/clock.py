"""The wall clock services read by default; each takes another in its constructor, so tests move time."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
