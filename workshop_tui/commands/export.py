"""`workshop-tui export FILE.yaml [--include-chats] [--force] [--name TEXT] [--description TEXT]`.

Writes the whole workshop as a workshop file that `workshop-tui import` reads back (see
services/workshop_file/export.py for what is and is not exported). The command only reads: it opens
the database without migrating it and never starts the vector store or contacts Ollama, so it can
run beside a live class.

Nothing stores a workshop's name yet, so the file's `workshop.name` is `--name`, or else the data
directory's folder name.

Documents are written as files in `NAME.documents/` beside `NAME.yaml`; the two are written
together or not at all, and `--force` replaces both.

Output: notes about what the file could not say exactly (skipped accounts, renamed duplicates) on
stderr, then one summary line on stdout. Exit 2 when the file or its documents folder exists without
`--force` or the folder is missing; exit 1 when the database is not ready, or when the written file
would not import as is (its problems are listed; the file and its documents are kept so they can be
fixed by hand, and a file over the size cap names the setting that raises it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workshop_tui.commands.common import EXIT_FAILURE, fail, settings_from
from workshop_tui.domain.errors import Invalid
from workshop_tui.services.workshop_file.export_file import export_workshop
from workshop_tui.services.workshop_file.export_state import line
from workshop_tui.services.workshop_file.limits import FileLimits
from workshop_tui.services.workshop_file.loader import WORKSHOP_NAME_MAX
from workshop_tui.services.workshop_file.plan import WorkshopInfo
from workshop_tui.storage.database import Database
from workshop_tui.storage.engine import sqlite_file


def workshop_info(args: argparse.Namespace, data_dir: Path) -> WorkshopInfo:
    """The file's ``workshop:`` mapping: the operator's ``--name``, else the data directory's name."""
    name = line(args.name) if args.name is not None else line(data_dir.resolve().name) or "workshop"
    if not name:
        raise Invalid("must not be empty", field="--name")
    if len(name) > WORKSHOP_NAME_MAX:
        raise Invalid(f"is {len(name)} characters long; at most {WORKSHOP_NAME_MAX} are allowed", field="--name")
    return WorkshopInfo(name=name, description=args.description or "")


async def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    info = workshop_info(args, settings.data_dir)
    url = settings.effective_database_url
    path = sqlite_file(url)
    if path is not None and not path.exists():  # opening it would create an empty database
        return fail(f"there is no workshop in {settings.data_dir} to export (no database)")
    db = Database.from_url(url)
    try:
        state = await db.schema_state()
        if state.current is None:
            return fail(f"there is no workshop in {settings.data_dir} to export (the database is empty)")
        if not state.is_current:
            return fail(f"the database is at revision {state.current}, not {state.head}; run `workshop-tui db "
                        "upgrade` first (export never changes the database)")
        report = await export_workshop(db, Path(args.file), info, include_chats=args.include_chats,
                                       force=args.force, limits=FileLimits.from_settings(settings))
    finally:
        await db.close()
    for note in report.export.notes:
        print(f"workshop-tui: note: {note}", file=sys.stderr)
    if not report.ok:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        return fail(f"{report.path} was written, but an import would refuse it as it is; the problems are listed "
                    "above", EXIT_FAILURE)
    print(report.summary())
    return 0

