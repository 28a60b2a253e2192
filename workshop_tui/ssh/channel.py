"""One SSH session's channel as its app's driver sees it: a terminal to draw on, of a given size.

Textual writes synchronously and asyncssh queues without limit, so a client that stops reading
would make the server hold every frame for it. Writes are gathered into one packet per loop turn;
past `limit` bytes queued the session is aborted (`close()` would wait forever on such a client).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from workshop_tui.config.logging import get_logger

log = get_logger(__name__)
DEFAULT_SIZE = (80, 24)


class SessionChannel:
    def __init__(self, process: Any, *, limit: int, on_overflow: Callable[[], None]) -> None:
        self._process = process
        self._limit = limit
        self._on_overflow = on_overflow
        self._pending: list[str] = []
        self._flush_soon: asyncio.Handle | None = None
        self.closed = False
        self.sent_bytes = 0

    @property
    def size(self) -> tuple[int, int]:
        width, height, *_ = self._process.term_size or (0, 0)
        return (width or DEFAULT_SIZE[0], height or DEFAULT_SIZE[1])

    @property
    def term_type(self) -> str | None:
        return self._process.term_type

    @property
    def env(self) -> Mapping[str, str]:
        return dict(self._process.env or {})

    def write(self, text: str) -> None:
        if self.closed:
            return
        self._pending.append(text)
        if self._flush_soon is None:
            self._flush_soon = asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        if self._flush_soon is not None:
            self._flush_soon.cancel()
            self._flush_soon = None
        if self.closed or not self._pending:
            self._pending.clear()
            return
        data = "".join(self._pending).encode("utf-8", "replace")
        self._pending.clear()
        try:
            self._process.stdout.write(data)
        except Exception:  # the channel closed under us: nothing more to draw
            self.closed = True
            return
        self.sent_bytes += len(data)
        if self._process.channel.get_write_buffer_size() > self._limit:
            self.closed = True
            self._on_overflow()

    def buffered(self) -> int:
        """Bytes written and not yet taken by the client."""
        try:
            return int(self._process.channel.get_write_buffer_size())
        except Exception:
            return 0

    def finish(self, text: str, status: int) -> None:
        """Write a last line after the app, send the exit status and close the channel."""
        if not self.closed:
            self.write(text)
            self.flush()
        self.closed = True
        try:
            self._process.exit(status)
        except Exception:  # already closed by the client  # noqa: S110
            pass
