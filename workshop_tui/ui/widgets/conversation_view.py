"""`ConversationView`: a whole conversation in one Line API widget, streaming one reply at a time.

How it stays fast (figures in bench/bench_render.py):
- Only what is near the viewport is rendered (see `ConversationViewport`); a 200-message
  conversation opens by rendering the few messages at its end.
- `append_content` and `append_thinking` only add to a buffer. A ticker (one per view, only while a
  reply streams) takes the buffer in about 12 times a second, less often while many replies stream
  in the process or the event loop is busy; finished Markdown blocks are rendered once, and only the
  open last block is rendered again, repainting only the lines that changed.
- Rendered lines are stored compactly (`LineBlock`); strips are built only for visible lines.
- A new width or theme re-renders lazily: what is on screen first, the rest when it is scrolled to.

Everything shown is plain text: Markdown through Rich with hyperlinks off, and every string cleaned
of terminal controls when it is rendered (see `markdown_lines` and `conversation_text`).
"""

from __future__ import annotations

import asyncio
import math
import random
import weakref
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from time import perf_counter
from typing import Any, ClassVar

from textual.theme import Theme
from textual.worker import Worker

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.domain.models import Message
from workshop_tui.ui.widgets import conversation_actions as actions
from workshop_tui.ui.widgets.conversation_controls import ConversationControls
from workshop_tui.ui.widgets.conversation_entries import (
    ERROR,
    HEADER,
    STATS,
    THINKING,
    TOOL,
    WAITING,
    ContentPart,
    Entry,
    ToolView,
    entry_from_message,
)
from workshop_tui.ui.widgets.conversation_messages import CitationRequested, CopyRequested, LinkRequested

CROWD = 4
"""Up to this many replies streaming at once in the process tick at the full rate; beyond it, each
ticks less often (by the square root of the excess), so the loop's load grows more slowly."""
_STREAMING: weakref.WeakSet[ConversationView] = weakref.WeakSet()


class ConversationView(ConversationControls, can_focus=True):
    """Shows a conversation and streams one reply at a time. See the module docstring.

    Posts `CopyRequested`, `LinkRequested` and `CitationRequested`; never acts on the app itself.
    """

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    TICK_SECONDS: ClassVar[float] = 0.08
    MAX_TICK_SECONDS: ClassVar[float] = 0.5
    LATE_SECONDS: ClassVar[float] = 0.015
    """A tick this late means the loop is busy: the flush waits for a later turn."""

    CopyRequested = CopyRequested
    LinkRequested = LinkRequested
    CitationRequested = CitationRequested

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "conversation-view--user-label", "conversation-view--assistant-label", "conversation-view--meta",
        "conversation-view--thinking", "conversation-view--tool", "conversation-view--tool-result",
        "conversation-view--error", "conversation-view--sources", "conversation-view--citation",
        "conversation-view--waiting", "conversation-view--user-bar", "conversation-view--cursor",
        "conversation-view--cursor-line", *(f"conversation-view--md-{name}" for name in actions.MARKDOWN_PARTS),
    }

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._ticker: Worker[None] | None = None
        self.flush_seconds = 0.0
        """Time spent taking in streamed text (for benchmarks)."""

    # ---- public API -------------------------------------------------------------------------------

    def load(self, messages: Sequence[Message]) -> None:
        """Show a stored conversation, scrolled to its end. Only what is in view gets rendered."""
        self._stop_reply()
        self._layout.clear()
        self.cursor = actions.Cursor()
        for message in messages:
            self._layout.add_entry(entry_from_message(message))
        self._follow = True
        self._virtual_height = 0
        self._sync()

    def add_user_message(self, text: str) -> None:
        """Show a message the user just sent, and follow the conversation again."""
        entry = Entry(role=MessageRole.USER, parts=[ContentPart(text, closed=True)],
                      created_at=datetime.now().astimezone())
        self._layout.add_entry(entry, expanded=True)
        self._follow = True
        self._sync()

    def begin_reply(self, model: str) -> None:
        """Start showing a reply from `model`; text then arrives through the append methods.

        A reply still streaming is ended first and shown as interrupted.
        """
        if self._active is not None:
            self._active.status = MessageStatus.INTERRUPTED
            self.finish_reply(None)
        entry = Entry(role=MessageRole.ASSISTANT, model=model, status=MessageStatus.STREAMING,
                      created_at=datetime.now().astimezone())
        self._active = entry
        self._layout.add_entry(entry, expanded=True)
        self._sync()
        self._ticker = self.run_worker(self._tick_loop, name="conversation-ticker", group="conversation-ticker",
                                       exclusive=True, exit_on_error=False)

    def append_content(self, text: str) -> None:
        """Add reply text. Cheap: it is only buffered; the ticker renders it."""
        entry = self._reply()
        if entry.waiting is not None:
            entry.waiting = None
            self._layout.refresh_entry(entry)
        entry.content_part().pending.append(text)

    def append_thinking(self, text: str) -> None:
        """Add thinking text (shown collapsed as one line unless expanded)."""
        self._reply().thinking_pending.append(text)

    def add_tool_activity(self, name: str, arguments: dict[str, Any], status: str, result: str | None = None) -> None:
        """Show a tool call, or update the one already shown ("calling", then "done" or "refused")."""
        entry = self._reply()
        self._close_parts(entry)
        for number, part in enumerate(entry.parts):
            if isinstance(part, ToolView) and part.status == "calling" and part.name == name:
                part.status, part.result, part.arguments = status, result, arguments or part.arguments
                entry.chunk(TOOL, number).invalidate()
                break
        else:
            entry.parts.append(ToolView(name, dict(arguments), status, result))
        self._layout.refresh_entry(entry)
        self._sync()

    def set_waiting(self, text: str | None) -> None:
        """Show why the reply has not started (e.g. "2nd in queue"), or clear it with None."""
        entry = self._reply()
        entry.waiting = text
        entry.invalidate(WAITING)
        self._layout.refresh_entry(entry)
        self._sync()

    def finish_reply(self, message: Message | None = None, *, stats: str | None = None,
                     citations: Sequence[dict[str, Any]] = (), error: str | None = None) -> None:
        """End the reply: highlight its last block, show stats, citations, or an error in place.

        `message` is the stored reply (its status tells an error or an interruption apart); the text
        already shown is kept, so a partial reply stays visible above the error.
        """
        entry = self._active
        if entry is None:
            return
        self._stop_reply()
        entry.take_thinking()
        self._close_parts(entry)
        if message is not None:
            entry.message = message
            entry.model = message.model or entry.model
            entry.status = message.status
            entry.error = message.error or entry.error
            entry.citations = tuple(message.citations or ())
            if not entry.thinking and message.thinking:
                entry.thinking = message.thinking
                entry.thinking_words = len(message.thinking.split())
        if error:
            entry.error = error
            if entry.status in (MessageStatus.STREAMING, MessageStatus.COMPLETE):
                entry.status = MessageStatus.ERROR
        if entry.status is MessageStatus.STREAMING:
            entry.status = MessageStatus.COMPLETE
        entry.citations = tuple(citations) or entry.citations
        entry.stats = stats
        entry.waiting = None
        entry.invalidate(HEADER, THINKING, ERROR, STATS)
        self._layout.refresh_entry(entry)
        self._sync()

    # ---- streaming --------------------------------------------------------------------------------

    def _reply(self) -> Entry:
        if self._active is None:
            self.begin_reply("")
        assert self._active is not None
        return self._active

    def _stop_reply(self) -> None:
        self._active = None
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def _close_parts(self, entry: Entry) -> None:
        for part in entry.parts:
            if isinstance(part, ContentPart) and not part.closed:
                part.close(entry)

    async def _tick_loop(self) -> None:
        """Take in streamed text about 12 times a second; less often while many replies stream in
        this process (the SSH server runs every session on one loop) or while the loop is busy.

        Each wait is jittered, so that the views of many sessions do not all flush (and repaint) in
        the same turn of the loop.
        """
        loop = asyncio.get_running_loop()
        backoff = 1.0
        deferred = 0
        _STREAMING.add(self)
        try:
            wait = random.uniform(0.5, 1.0) * self.TICK_SECONDS
            while self._active is not None:
                due = loop.time() + wait
                await asyncio.sleep(wait)
                late = loop.time() - due
                if late > self.LATE_SECONDS and deferred < 3:
                    # The loop is behind (other sessions, the collector): do not add this turn's work
                    # to the same turn of the loop; try again a little later.
                    deferred += 1
                    backoff = min(backoff * 1.5, self.MAX_TICK_SECONDS / self.TICK_SECONDS)
                    wait = random.uniform(0.01, 0.03)
                    continue
                deferred = 0
                started = perf_counter()
                self._flush()
                cost = perf_counter() - started
                self.flush_seconds += cost
                if late > self.LATE_SECONDS or cost > 0.02:
                    backoff = min(backoff * 1.5, self.MAX_TICK_SECONDS / self.TICK_SECONDS)
                else:
                    backoff = max(1.0, backoff * 0.75)
                crowd = max(1.0, math.sqrt(len(_STREAMING) / CROWD))
                wait = min(self.MAX_TICK_SECONDS, self.TICK_SECONDS * backoff * crowd) * random.uniform(0.8, 1.2)
        finally:
            _STREAMING.discard(self)

    def _flush(self) -> None:
        entry = self._active
        if entry is None:
            return
        had_thinking = bool(entry.thinking)
        structural = False
        if entry.take_thinking():
            structural = not had_thinking
            entry.invalidate(THINKING)
        for part in entry.parts:
            if isinstance(part, ContentPart) and not part.closed:
                added, _changed = part.advance(entry)
                structural = structural or added
        if structural:
            self._layout.refresh_entry(entry)
        self._sync()

    # ---- lifecycle --------------------------------------------------------------------------------

    def on_mount(self) -> None:
        super().on_mount()
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)
        self._restyle()
        self.call_after_refresh(self._sync)

    def _on_theme_changed(self, _theme: Theme) -> None:
        self.call_after_refresh(self._restyle)
