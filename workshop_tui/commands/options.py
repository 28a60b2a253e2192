"""The options every verb accepts and the exit codes, with nothing but argparse: the command line
is parsed before anything heavy is imported, so the app can paint its first screen sooner."""

from __future__ import annotations

import argparse

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def common_options() -> argparse.ArgumentParser:
    """The options every verb accepts."""
    # SUPPRESS: an option given before the verb (`workshop-tui --data-dir D users list`) must not be
    # reset by the verb's own parser, which shares these options, when it is not repeated there.
    parent = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    group = parent.add_argument_group("common options")
    group.add_argument("--data-dir", metavar="DIR", help="data directory (default: ~/.local/share/workshop-tui)")
    group.add_argument("--config", metavar="FILE", help="YAML settings file (or set WORKSHOP_CONFIG)")
    group.add_argument("--ollama-url", metavar="URL", help="Ollama base URL, overriding settings")
    return parent
