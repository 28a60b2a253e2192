"""What every command shares: options, settings, logging, exit codes and error output."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from workshop_tui.commands.options import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, common_options  # noqa: F401
from workshop_tui.config.loader import load_settings
from workshop_tui.config.logging import configure_logging, get_logger, session_context
from workshop_tui.config.paths import ensure_private_dir
from workshop_tui.config.settings import Settings
from workshop_tui.domain.errors import ConfigError, Invalid, ServiceError, WorkshopError

log = get_logger(__name__)


def settings_from(args: argparse.Namespace) -> Settings:
    """Load settings from the command line's options, then prepare the data directory and logs."""
    settings = load_settings(getattr(args, "config", None), data_dir=getattr(args, "data_dir", None),
                             ollama_url=getattr(args, "ollama_url", None))
    ensure_private_dir(settings.data_dir)
    configure_logging(settings.log_dir, settings.log_level)
    return settings


def fail(message: str, code: int = EXIT_FAILURE) -> int:
    print(f"workshop-tui: {message}", file=sys.stderr)
    return code


def run_command(handler: Callable[[argparse.Namespace], Awaitable[int] | int], args: argparse.Namespace) -> int:
    """Run a handler (sync or async) and turn errors into a message on stderr and an exit code:
    2 for bad input (settings, arguments, files), 1 for failures."""
    with session_context() as session_id:
        try:
            result: Any = handler(args)
            if asyncio.iscoroutine(result):
                result = asyncio.run(result)
            return int(result or 0)
        except (ConfigError, Invalid) as exc:
            return fail(str(exc), EXIT_BAD_INPUT)
        except ServiceError as exc:
            return fail(str(exc))
        except WorkshopError as exc:
            return fail(str(exc))
        except KeyboardInterrupt:
            return fail("interrupted", 130)
        except Exception as exc:
            log.exception("command failed", extra={"command": args.command, "session_id": session_id})
            return fail(f"unexpected error: {type(exc).__name__}: {exc} (details in the log file)")
