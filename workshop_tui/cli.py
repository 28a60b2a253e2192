"""The `workshop-tui` command: argument parsing only. Handlers live in `workshop_tui.commands`.

The terminal UI is imported lazily, inside the commands that open it, so headless verbs never
load textual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from workshop_tui import __version__
from workshop_tui.commands.common import EXIT_BAD_INPUT, common_options, run_command


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="workshop-tui",
        description="Run hands-on local-LLM workshops on Ollama from a terminal.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"workshop-tui {__version__}")
    verbs = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = verbs.add_parser("db", help="database schema: upgrade or show status", parents=[common])
    db_verbs = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_verbs.add_parser("upgrade", help="bring the database to the newest schema", parents=[common])
    db_verbs.add_parser("status", help="show the schema revision (exit 1 when not current)", parents=[common])

    health = verbs.add_parser("health", help="check the database, Qdrant and Ollama", parents=[common])
    health.add_argument("--json", action="store_true", help="print one stable JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage and 0 on --help/--version
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    if args.command == "db":
        from workshop_tui.commands import db

        return run_command(db.upgrade if args.db_command == "upgrade" else db.status, args)
    if args.command == "health":
        from workshop_tui.commands import health

        return run_command(health.run, args)
    parser.error(f"unknown command {args.command}")
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
