"""Letting go of an ended session's app at once, instead of when its last timer would have fired.

asyncio keeps a cancelled timer in the loop's heap until the moment it was due (unless over half of
the heap is cancelled, when it sweeps them all). A timer keeps the context it was made in, and every
context made inside a Textual app holds that app (`active_app`). A session that closes while its
workers wait with a timeout (an account recheck every 20 s, a job feed every 30 s) would therefore
stay in memory for that long. When a session ends, the server sweeps the cancelled timers just as
asyncio's own sweep does (`BaseEventLoop._run_once`): the same private names, checked by
`tests/ssh/test_loop_timers.py` so that a Python upgrade that moves them fails loudly.
"""

from __future__ import annotations

import asyncio
import heapq


def forget_cancelled_timers(loop: asyncio.AbstractEventLoop) -> int:
    """Drop the cancelled timers waiting in `loop`'s heap; how many went. A loop without that heap
    (another implementation) is left alone."""
    scheduled = getattr(loop, "_scheduled", None)
    if not isinstance(scheduled, list) or not hasattr(loop, "_timer_cancelled_count"):
        return 0
    kept: list[asyncio.TimerHandle] = []
    for handle in scheduled:
        if handle.cancelled():
            handle._scheduled = False  # type: ignore[attr-defined]
        else:
            kept.append(handle)
    dropped = len(scheduled) - len(kept)
    if dropped:
        heapq.heapify(kept)
        loop._scheduled = kept  # type: ignore[attr-defined]
        loop._timer_cancelled_count = 0  # type: ignore[attr-defined]
    return dropped
