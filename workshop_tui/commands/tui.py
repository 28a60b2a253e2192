"""`workshop-tui` with no verb: the app in this terminal, for one person, on the configured data
directory. The app paints its sign-in screen first and opens the services behind it, so a large
store or a slow disk never delays the first screen."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from typing import TYPE_CHECKING

from workshop_tui.commands.common import EXIT_BAD_INPUT, fail, settings_from

if TYPE_CHECKING:
    from workshop_tui.config.settings import Settings
    from workshop_tui.services.workshop import Workshop


def opener(settings: Settings):  # type: ignore[no-untyped-def]
    """Open the composition root, importing the services in a thread so the screen stays live."""

    async def open_workshop() -> Workshop:
        module = await asyncio.to_thread(importlib.import_module, "workshop_tui.services.workshop")
        return await module.Workshop.open(settings, run_jobs=True)

    return open_workshop


async def run(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return fail("the app needs a terminal; for scripts use a verb such as `workshop-tui health` "
                    "(see `workshop-tui --help`)", EXIT_BAD_INPUT)
    settings = settings_from(args)
    from workshop_tui.ui.app import WorkshopApp

    app = WorkshopApp(open_workshop=opener(settings))
    try:
        await app.run_async()
    finally:
        await app.close_services()
    return 0
