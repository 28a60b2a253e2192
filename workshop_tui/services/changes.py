"""A version counter that wakes whoever waits for the next change: cheap enough to bump on every
streamed batch, since it does no work for each waiter beyond waking it once."""

from __future__ import annotations

import asyncio


class ChangeCounter:
    def __init__(self) -> None:
        self.version = 0
        self._waiters: list[asyncio.Future[None]] = []

    def bump(self) -> None:
        self.version += 1
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self, seen: int, timeout: float | None = None) -> int:  # noqa: ASYNC109 - bounded waits for screens
        """Wait until the version moves past `seen` (at once if it already has), or `timeout`
        seconds pass; return the version then."""
        if self.version != seen:
            return self.version
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        return self.version
