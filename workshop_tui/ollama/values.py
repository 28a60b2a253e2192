"""Tolerant readers for values in Ollama's JSON, whose optional fields come and go between versions."""

from __future__ import annotations

from typing import Any


def int_or_none(value: Any) -> int | None:
    """Accept ints (and integral floats) only; anything else counts as absent."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def str_tuple(value: Any) -> tuple[str, ...]:
    """A JSON list as a tuple of strings; anything else counts as empty."""
    return tuple(str(v) for v in value) if isinstance(value, list) else ()
