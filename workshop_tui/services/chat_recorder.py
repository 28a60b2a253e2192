"""Progressive persistence of one assistant reply while it streams.

The reply row exists from the first moment (status "streaming"); what has arrived is written at
most every `flush_interval_s`, and the final write records the status (complete, interrupted or
error), the reason, tool calls and metrics. A reply cut short keeps everything the user saw; one cut
by the process stopping stays "streaming" until the next start marks it interrupted
(`interrupt_unfinished_replies`), so that it is listed and sent in the history like any other.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.domain.models import Message
from workshop_tui.ollama import Metrics
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.conversations import ConversationRepository

log = get_logger(__name__)


class ReplyRecorder:
    def __init__(self, db: Database, conversation_id: int, model: str, *, flush_interval_s: float = 1.0) -> None:
        self.db = db
        self.conversation_id = conversation_id
        self.model = model
        self.flush_interval_s = flush_interval_s
        self.message_id: int | None = None
        self.message: Message | None = None
        self.content: list[str] = []
        self.thinking: list[str] = []
        self.finished = False
        self._last_flush = 0.0
        self._flushed_len = 0

    async def start(self, citations: list[dict[str, Any]] | None = None, *,
                    session: AsyncSession | None = None) -> None:
        """Create the reply row, in the caller's transaction when one is given (saving a commit)."""
        if session is None:
            async with self.db.transaction() as own:
                return await self.start(citations, session=own)
        self.message = await ConversationRepository(session).add_message(
            self.conversation_id, MessageRole.ASSISTANT.value, "", status=MessageStatus.STREAMING.value,
            model=self.model, citations=citations or None)
        self.message_id = self.message.id
        self._last_flush = time.monotonic()
        return None

    @property
    def text(self) -> str:
        return "".join(self.content)

    def add(self, content: str, thinking: str) -> None:
        """Keep a chunk in memory; the caller writes it out when `due()` says so."""
        if content:
            self.content.append(content)
        if thinking:
            self.thinking.append(thinking)

    def due(self) -> bool:
        return time.monotonic() - self._last_flush >= self.flush_interval_s

    async def flush(self) -> None:
        text = self.text
        if self.message_id is None or len(text) == self._flushed_len:
            return
        async with self.db.transaction() as session:
            await ConversationRepository(session).update_message(
                self.message_id, content=text, thinking="".join(self.thinking) or None)
        self._flushed_len = len(text)
        self._last_flush = time.monotonic()

    async def finish(self, status: MessageStatus, *, error: str | None = None, metrics: Metrics | None = None,
                     tool_calls: list[dict[str, Any]] | None = None,
                     also: Callable[[AsyncSession], Awaitable[None]] | None = None) -> Message | None:
        """The final write, with `also` (the usage count) in the same transaction; safe to call more
        than once (later calls do nothing)."""
        if self.message_id is None or self.finished:
            return None
        self.finished = True
        fields: dict[str, Any] = {"content": self.text, "thinking": "".join(self.thinking) or None,
                                  "status": status.value, "error": error, "tool_calls": tool_calls or None}
        if metrics is not None:
            fields.update(prompt_tokens=metrics.prompt_eval_count, completion_tokens=metrics.eval_count,
                          total_duration_ns=metrics.total_duration_ns, load_duration_ns=metrics.load_duration_ns,
                          eval_duration_ns=metrics.eval_duration_ns)
        async with self.db.transaction() as session:
            await ConversationRepository(session).update_message(self.message_id, **fields)
            if also is not None:
                await also(session)
        assert self.message is not None
        fields["status"] = status
        fields["tool_calls"] = tuple(tool_calls) if tool_calls else None
        return dataclasses.replace(self.message, **fields)

    def finishing(self, status: MessageStatus, **options: Any) -> asyncio.Task[Message | None]:
        """`finish` as a task of its own, to await through `asyncio.shield`: a caller cancelled
        meanwhile (a stream closed by the stop key or a disconnect) stops waiting while the write
        goes on, and a write that fails then is logged rather than lost without a word."""
        task = asyncio.ensure_future(self.finish(status, **options))
        task.add_done_callback(self._said_if_failed)
        return task

    def _said_if_failed(self, task: asyncio.Task[Message | None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("the final write of reply %s failed", self.message_id, exc_info=task.exception())


STOPPED_REASON = "the server stopped while this reply was being written"


async def interrupt_unfinished_replies(db: Database) -> int:
    """At the start of the process that owns the database: the replies a stopped process left
    "streaming" become interrupted, with what was written of them kept; returns how many."""
    async with db.transaction() as session:
        return await ConversationRepository(session).interrupt_streaming(STOPPED_REASON)
