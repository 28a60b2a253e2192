"""Awaiting service calls from screens: shielded from the caller's cancellation, and small helpers
for screens that await them through `WorkshopApp.guarded`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from textual.app import App

    from workshop_tui.ui.app import WorkshopApp

T = TypeVar("T")


async def shielded(work: Awaitable[T]) -> T:
    """Await a service call so that cancelling the caller (a screen closing, the session ending)
    never cancels the call halfway through a database round trip: it finishes on its own, and
    only the waiting stops. Calls are short; a cancelled one would leave its connection behind."""
    task = asyncio.ensure_future(work)
    task.add_done_callback(_retrieve_quietly)
    return await asyncio.shield(task)


def _retrieve_quietly(task: asyncio.Future[Any]) -> None:
    """A call whose caller stopped waiting may still fail; its error was the caller's to show."""
    if not task.cancelled():
        task.exception()


async def completed(work: Awaitable[Any]) -> bool:
    """True once `work` is done: for `guarded`, whose None means refused, around calls that return None."""
    await work
    return True


def workshop_app(app: App[Any]) -> WorkshopApp:
    """The app as the WorkshopApp it is (for dialogs, which are not places)."""
    return app  # type: ignore[return-value]
