"""The `workshop-tui` command: argument parsing only. Handlers live in `workshop_tui.commands`.

The terminal UI is imported lazily, inside the commands that open it, so headless verbs never
load textual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from workshop_tui import __version__
from workshop_tui.commands.options import EXIT_BAD_INPUT, common_options
from workshop_tui.domain.enums import AccountStatus, Role


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="workshop-tui",
        description="Run hands-on local-LLM workshops on Ollama from a terminal.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"workshop-tui {__version__}")
    verbs = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = verbs.add_parser(
        "demo", parents=[common], help="load the sample class and open the app on it (no Ollama needed)",
        description="Import the sample workshop with its vectors into a new throwaway data directory (or the "
                    "--data-dir given), print its accounts with their generated passwords, and open the app "
                    "signed in as the sample's instructor. When no Ollama answers at the configured URL, a "
                    "built-in fake Ollama on 127.0.0.1 serves the models for as long as the command runs. "
                    "Without a terminal it stops after printing the accounts.")
    demo.add_argument("--ssh", action="store_true",
                      help="serve the class over SSH on 127.0.0.1 (port ssh.port, 2222) instead of opening the app "
                           "here, and print how to connect; stop with Ctrl+C")

    serve = verbs.add_parser(
        "serve", parents=[common], help="serve the class over SSH: every attendee gets the app",
        description="Run the SSH server: attendees connect with a plain ssh client as their workshop username "
                    "(or as the registration name to register), each getting the app; SFTP puts files in their "
                    "upload folder. Runs until SIGTERM or Ctrl+C. Defaults come from the ssh section of the settings.")
    serve.add_argument("--host", metavar="ADDRESS", help="address to listen on (default: ssh.host, 0.0.0.0)")
    serve.add_argument("--port", metavar="PORT", type=int, help="port to listen on (default: ssh.port, 2222)")

    db = verbs.add_parser("db", help="database schema: upgrade or show status", parents=[common])
    db_verbs = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_verbs.add_parser("upgrade", help="bring the database to the newest schema", parents=[common])
    db_verbs.add_parser("status", help="show the schema revision (exit 1 when not current)", parents=[common])

    health = verbs.add_parser("health", help="check the database, Qdrant and Ollama", parents=[common])
    health.add_argument("--json", action="store_true", help="print one stable JSON object")
    _add_user_verbs(verbs, common)
    _add_import_verb(verbs, common)

    export = verbs.add_parser("export", help="write the whole workshop to a YAML workshop file (no passwords)",
                              parents=[common])
    export.add_argument("file", metavar="FILE.yaml",
                        help="the file to create (mode 0600); documents go to the folder FILE.documents beside it")
    export.add_argument("--include-chats", action="store_true", help="also write every conversation and message")
    export.add_argument("--force", action="store_true", help="replace FILE.yaml and FILE.documents if they exist")
    export.add_argument("--name", metavar="TEXT", help="the workshop's name (default: the data directory's name)")
    export.add_argument("--description", metavar="TEXT", help="the workshop's description")
    return parser


def _add_import_verb(verbs: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """`workshop-tui import FILE`: load a whole class (a workshop file) or a class list (a users CSV)."""
    command = verbs.add_parser(
        "import", parents=[common], help="create or update a class from a workshop file (.yaml) or a users CSV",
        description="Validate FILE against the database and apply it as the operator: every problem is listed and "
                    "nothing is written while any exists. Importing the same file again changes nothing; a changed "
                    "file updates what changed. Nothing absent from the file is ever deleted.")
    command.add_argument("file", metavar="FILE", help="a workshop file (.yaml or .yml) or a users CSV (.csv)")
    command.add_argument("--dry-run", action="store_true",
                         help="check everything and show what would be created, updated and left unchanged; "
                              "write nothing")
    command.add_argument("--skip-vectors", action="store_true",
                         help="import everything that does not need Ollama now (for a machine where it is not "
                              "running yet) and leave model pulls, vector DBs, embeddings, and the RAG systems and "
                              "search tools on those vector DBs, for a later import without this flag")
    command.add_argument("--passwords-file", metavar="FILE",
                         help="write the generated passwords to this new file (mode 0600; never overwritten) "
                              "instead of printing them")


def _add_user_verbs(verbs: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """`workshop-tui users ...`: account administration as the built-in operator."""
    roles = [role.value for role in Role]
    users = verbs.add_parser("users", help="add, approve, reject, change and list accounts", parents=[common])
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="create an account (active unless --status pending)", parents=[common])
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--role", required=True, choices=roles)
    add.add_argument("--status", choices=["active", "pending"], default="active")
    add.add_argument("--display-name", metavar="TEXT")
    add.add_argument("--password-env", metavar="VAR",
                     help="read the password from this environment variable; otherwise prompt on a terminal, "
                          "or generate one and print it once")

    approve = actions.add_parser("approve", help="approve a pending account", parents=[common])
    approve.add_argument("username", metavar="USERNAME")
    approve.add_argument("--role", required=True, choices=roles)
    approve.add_argument("--models", metavar="M1,M2", default="", help="models the account may use")
    approve.add_argument("--tools", metavar="T1,T2", default="", help="tools the account may use")
    approve.add_argument("--guardian", metavar="USER", help="guardian of a family account")
    approve.add_argument("--notes", metavar="TEXT")

    reject = actions.add_parser("reject", help="reject a pending account", parents=[common])
    reject.add_argument("username", metavar="USERNAME")
    reject.add_argument("--notes", metavar="TEXT")

    set_role = actions.add_parser("set-role", help="change an account's role", parents=[common])
    set_role.add_argument("username", metavar="USERNAME")
    set_role.add_argument("role", metavar="ROLE", choices=roles)

    suspend = actions.add_parser("suspend", help="suspend an account; its sessions end", parents=[common])
    suspend.add_argument("username", metavar="USERNAME")

    listing = actions.add_parser("list", help="list accounts, oldest first", parents=[common])
    listing.add_argument("--status", choices=[status.value for status in AccountStatus])
    listing.add_argument("--role", choices=roles)
    listing.add_argument("--json", action="store_true", help="print one JSON array")


def _app_only(argv: list[str]) -> argparse.Namespace | None:
    """The options when the command line names no verb (the app itself), parsed without building
    every verb's parser: the app's first screen is painted sooner. None when there is more."""
    if any(arg in ("-h", "--help", "--version") for arg in argv):
        return None
    small = argparse.ArgumentParser(prog="workshop-tui", parents=[common_options()], add_help=False)
    try:
        args, extra = small.parse_known_args(argv)
    except SystemExit:
        return None
    if extra:
        return None
    args.command = None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = _app_only(arguments)
    if args is None:
        parser = build_parser()
        try:
            args = parser.parse_args(arguments)
        except SystemExit as exc:  # argparse exits 2 on bad usage and 0 on --help/--version
            return int(exc.code or 0)
    if args.command is None:
        from workshop_tui.commands import tui

        return tui.main(args)  # paints first, loads settings and services behind the first screen
    from workshop_tui.commands.common import run_command

    if args.command == "demo":
        from workshop_tui.commands import demo

        return run_command(demo.run, args)
    if args.command == "serve":
        from workshop_tui.commands import serve

        return run_command(serve.run, args)
    if args.command == "db":
        from workshop_tui.commands import db

        return run_command(db.upgrade if args.db_command == "upgrade" else db.status, args)
    if args.command == "health":
        from workshop_tui.commands import health

        return run_command(health.run, args)
    if args.command == "export":
        from workshop_tui.commands import export

        return run_command(export.run, args)
    if args.command == "import":
        from workshop_tui.commands import import_file

        return run_command(import_file.run, args)
    if args.command == "users":
        from workshop_tui.commands import users

        return run_command(users.HANDLERS[args.users_command], args)
    parser.error(f"unknown command {args.command}")
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
