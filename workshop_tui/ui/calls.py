"""Small adapters for awaiting service calls from screens."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any


async def succeeded(work: Awaitable[Any]) -> bool:
    """True once `work` is done: for `guarded`, whose None means refused, around a call that
    itself returns None (a delete, an unload)."""
    await work
    return True
