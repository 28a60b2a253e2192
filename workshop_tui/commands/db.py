"""`workshop-tui db upgrade|status`."""

from __future__ import annotations

import argparse

from workshop_tui.commands.common import settings_from
from workshop_tui.storage.database import Database


async def upgrade(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    db = Database.from_url(settings.effective_database_url)
    try:
        before = await db.schema_state()
        after = await db.upgrade()
    finally:
        await db.close()
    if before.current == after.current:
        print(f"database already at revision {after.current} (head)")
    else:
        print(f"database upgraded from {before.current or 'empty'} to {after.current} (head)")
    return 0


async def status(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    db = Database.from_url(settings.effective_database_url)
    try:
        state = await db.schema_state()
    finally:
        await db.close()
    label = "current" if state.is_current else ("behind, run `workshop-tui db upgrade`" if state.known else "unknown")
    print(f"revision {state.current or 'none'}; head {state.head}; {label}")
    return 0 if state.is_current else 1
