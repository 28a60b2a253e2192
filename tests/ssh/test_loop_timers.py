"""The sweep of cancelled timers that lets an ended session's app go at once."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import weakref

from workshop_tui.ssh.loop_timers import forget_cancelled_timers


class Held:
    """Stands for an app that a context variable points at."""


HOLDER: contextvars.ContextVar[Held | None] = contextvars.ContextVar("holder", default=None)


async def test_a_cancelled_timer_no_longer_holds_what_its_context_held() -> None:
    loop = asyncio.get_running_loop()
    assert isinstance(getattr(loop, "_scheduled", None), list)  # the private names the sweep relies on
    assert isinstance(getattr(loop, "_timer_cancelled_count", None), int)
    held = Held()
    gone = weakref.ref(held)
    context = contextvars.copy_context()
    context.run(HOLDER.set, held)  # as a worker of a session's app has the app in its context
    fires = loop.call_later(0.05, lambda: None)  # a live timer, which must stay, due first
    waits = loop.call_later(600, lambda: None, context=context)  # a wait with a ten-minute timeout
    waits.cancel()  # the wait ended: the session closed
    del context, waits, held
    await asyncio.sleep(0)
    gc.collect()
    assert gone() is not None  # asyncio alone keeps the cancelled timer, and so the context, for 600 s

    assert forget_cancelled_timers(loop) >= 1
    gc.collect()
    assert gone() is None
    assert fires in loop._scheduled  # type: ignore[attr-defined]
    assert all(not handle.cancelled() for handle in loop._scheduled)  # type: ignore[attr-defined]
    assert loop._timer_cancelled_count == 0  # type: ignore[attr-defined]
    await asyncio.sleep(0.1)  # the loop still runs its timers after the sweep
    assert fires not in loop._scheduled  # type: ignore[attr-defined]
