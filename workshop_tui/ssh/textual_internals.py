"""The few private Textual names the server relies on, and the process-wide settings it needs.

Textual is pinned to one version in pyproject.toml; `tests/ssh/test_textual_contract.py` checks every
name listed here, so an upgrade that moves one fails loudly instead of leaking apps or losing
crash reports in production.

- `XTermParser._parse_extended_key` is an `lru_cache` on a method. The cache is process-wide: its
  keys hold each session's parser and its values the key events it made, which name their app, so
  every closed session would stay in memory. `SessionParser` uses the undecorated function.
- `textual.app.redirect_stdout` / `redirect_stderr`: each running app swaps `sys.stdout` and
  `sys.stderr` for its own capture object. With many apps in one process they interleave and leave
  `sys.stdout` pointing at a dead app; the server makes them leave the streams alone.
- `App._exception`: the error that ended an app, for the crash report in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import textual.app
from textual._xterm_parser import XTermParser

PRIVATE_NAMES = (
    "textual._xterm_parser.XTermParser._parse_extended_key",
    "textual.app.redirect_stdout",
    "textual.app.redirect_stderr",
    "textual.app.App._exception",
)


def uncached_extended_key_parser() -> Any:
    """The body of `XTermParser._parse_extended_key` without its process-wide cache."""
    return XTermParser._parse_extended_key.__wrapped__  # type: ignore[attr-defined]


@contextlib.contextmanager
def _streams_unchanged(_target: object) -> Iterator[None]:
    yield


def prepare_process() -> None:
    """Set up the process for many apps on one loop; call once, in the server process, before any
    app starts (idempotent)."""
    textual.app.redirect_stdout = _streams_unchanged  # type: ignore[attr-defined,assignment]
    textual.app.redirect_stderr = _streams_unchanged  # type: ignore[attr-defined,assignment]
    if sys.version_info >= (3, 12):
        # Textual switches the running loop to eager tasks when an app starts; do it before the
        # first session, so that every session (and the server's own tasks) run the same way.
        asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]


def ended_by(app: textual.app.App[Any]) -> BaseException | None:
    """The unhandled error that ended `app`, if one did."""
    return getattr(app, "_exception", None)
