"""Small helpers for screens that await service calls through `WorkshopApp.guarded`."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

    from workshop_tui.ui.app import WorkshopApp


async def completed(work: Awaitable[Any]) -> bool:
    """True once `work` is done: for `guarded`, whose None means refused, around calls that return None."""
    await work
    return True


def workshop_app(app: App[Any]) -> WorkshopApp:
    """The app as the WorkshopApp it is (for dialogs, which are not places)."""
    return app  # type: ignore[return-value]
