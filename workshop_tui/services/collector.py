"""Full garbage collections on the long-lived process's terms, not in the middle of a stream.

Python starts a full (generation-2) collection whenever a quarter as many objects as the old
generation holds have survived into it since the last one. A served class churns them: every
session's screen caches rendered lines that live a few frames, so with twenty sessions streaming
the collector walked every object in the process (about 900,000) every 3 s, stopping the event
loop that all sessions share for up to half a second each time.

`Collector` takes full collections out of the interpreter's hands (generation 2's threshold set
out of reach; young collections are unchanged, they are short) and runs them itself: once no reply
is being generated and `idle_after_s` has passed since the last one; when `garbage_limit` pieces of
known garbage in cycles have been reported (the server reports each closed session, whose app is
a few MB of cycles), at most every `min_gap_s`; and in any case every `at_most_s`. Everything else
is freed by reference counting as before. The interpreter's thresholds come back on `stop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable

from workshop_tui.config.logging import get_logger

log = get_logger(__name__)
OUT_OF_REACH = 1 << 30  # generation 2's threshold while a collector decides
CHECK_S = 2.0
_running: list[Collector] = []  # the thresholds are the process's: the first to start saves them, the last restores
_saved: list[tuple[int, int, int]] = []


class Collector:
    def __init__(self, busy: Callable[[], bool], *, idle_after_s: float = 30.0, at_most_s: float = 120.0,
                 garbage_limit: int = 8, min_gap_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.busy = busy
        self.idle_after_s = idle_after_s
        self.at_most_s = at_most_s
        self.garbage_limit = garbage_limit
        self.min_gap_s = min_gap_s
        self.clock = clock
        self.collections = 0
        self.garbage = 0
        self._last = clock()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is not None:
            return
        if not _running:
            _saved[:] = [gc.get_threshold()]
            young, middle, _ = _saved[0]
            gc.set_threshold(young, middle, OUT_OF_REACH)
        _running.append(self)
        self._last = self.clock()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="full-collections")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        _running.remove(self)
        if not _running and _saved:
            gc.set_threshold(*_saved.pop())

    def note_garbage(self, pieces: int = 1) -> None:
        """Report garbage in cycles just made (a closed session's app)."""
        self.garbage += pieces

    def due(self) -> bool:
        """Whether a full collection should run now."""
        since = self.clock() - self._last
        return (since >= self.at_most_s or (since >= self.idle_after_s and not self.busy())
                or (self.garbage >= self.garbage_limit and since >= self.min_gap_s))

    def collect(self) -> None:
        started = time.perf_counter()
        found = gc.collect()
        self.garbage = 0
        self._last = self.clock()
        self.collections += 1
        log.debug("full collection: %d unreachable, %.0f ms", found, (time.perf_counter() - started) * 1000)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(CHECK_S)
            if self.due():
                self.collect()
