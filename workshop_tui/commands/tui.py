"""`workshop-tui` with no verb: the app in this terminal, for one person, on the configured data
directory.

The sign-in screen is painted first. Settings, logging and the services are loaded behind it, in a
thread where they are import-heavy, so a large store or a slow disk never delays the first screen.
Bad settings still end the command with the message and exit code 2, as every verb does.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from typing import TYPE_CHECKING

from workshop_tui.commands.options import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from workshop_tui.services.workshop import Workshop
    from workshop_tui.ui.app import WorkshopOpener


def opener(args: argparse.Namespace) -> WorkshopOpener:
    """Load the settings and open the composition root, the imports in a thread."""

    async def open_workshop() -> Workshop:
        common = await asyncio.to_thread(importlib.import_module, "workshop_tui.commands.common")
        settings = await asyncio.to_thread(common.settings_from, args)
        module = await asyncio.to_thread(importlib.import_module, "workshop_tui.services.workshop")
        return await module.Workshop.open(settings, run_jobs=True)

    return open_workshop


def main(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("workshop-tui: the app needs a terminal; for scripts use a verb such as `workshop-tui health` "
              "(see `workshop-tui --help`)", file=sys.stderr)
        return EXIT_BAD_INPUT
    from workshop_tui.ui.app import WorkshopApp

    app = WorkshopApp(open_workshop=opener(args))
    app.run()
    return app.return_code or 0
