"""Shared by the knowledge screens' tests: the small class of the chat tests over the fake Ollama,
opening a place as someone, and waiting for a screen's loading workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual.pilot import Pilot

from workshop_tui.testing.fake_ollama import FakeOllama
from workshop_tui.ui.app import WorkshopApp

from ..chat_support import ChatClass, import_chat_class
from ..support import TIMEOUT, until

SIZE = (110, 36)
HOSTILE = "[bold]Bold[/bold] [@click=app.quit]quit[/] \x1b]52;c;aGk=\x07 and \x1b[2J end"


async def open_as(chat_class: ChatClass, username: str) -> WorkshopApp:
    return WorkshopApp(chat_class.workshop, signed_in=await chat_class.actor(username))


def loading(app: WorkshopApp, *groups: str) -> bool:
    return any(w.group in groups and not w.is_finished for w in app.workers)


async def go(pilot: Pilot[None], place: str, *groups: str) -> None:
    """Open `place` once signed in, and wait until its lists are loaded."""
    app: WorkshopApp = pilot.app  # type: ignore[assignment]
    await until(pilot, lambda: app.current_mode not in ("entry", "_default"), "the first place")
    await app.go(place)
    await until(pilot, lambda: app.current_mode == place and not loading(app, *groups), f"the {place} screen")


async def upload_folder(chat_class: ChatClass, username: str) -> Path:
    return await chat_class.workshop.knowledge.documents.upload_folder(await chat_class.actor(username))


@asynccontextmanager
async def chat_class_in(data_dir: Path) -> AsyncIterator[ChatClass]:
    """The class imported into `data_dir`, with its own fake Ollama (`.fake`), closed afterwards."""
    with FakeOllama() as fake:
        prepared = await import_chat_class(data_dir, fake)
        try:
            yield prepared
        finally:
            await asyncio.wait_for(prepared.workshop.close(), TIMEOUT)
