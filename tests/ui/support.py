"""Helpers for the app's Pilot tests: what the screen shows as text, and bounded waits."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

TIMEOUT = 15.0


def screen_text(app: App[object]) -> str:
    """Every character on the screen now, as a person would read it (no colours)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


async def until(pilot: Pilot[object], condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Let the app run until `condition` holds; fail naming `what` after `timeout` seconds."""
    async def wait() -> None:
        while not condition():
            await pilot.pause(0.02)

    try:
        await asyncio.wait_for(wait(), timeout)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen_text(pilot.app)}") from None


async def until_shown(pilot: Pilot[object], text: str, timeout: float = TIMEOUT) -> None:
    await until(pilot, lambda: text in screen_text(pilot.app), repr(text), timeout)


async def type_into(pilot: Pilot[object], selector: str, text: str) -> None:
    """Click a field and type `text` at its end, key by key, as a person would."""
    await pilot.click(selector)
    await pilot.press("end")
    for character in text:
        await pilot.press(character if character != " " else "space")
