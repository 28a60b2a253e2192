"""`ConversationView`: a whole conversation in one Line API widget, streaming one reply at a time.

How it stays fast (figures in bench/bench_render.py):
- The conversation is a flat list of chunks (`ChunkLayout`). Only chunks near the viewport are
  rendered; the rest keep estimated heights, and an entry far from the viewport is one placeholder.
  Scrolling renders what comes into view and keeps the line at the top of the viewport in place.
- `append_content` and `append_thinking` only add to a buffer. A ticker (one per view, only while a
  reply streams) takes the buffer in about 12 times a second, backing off while the event loop is
  busy; finished Markdown blocks are rendered once, and only the open last block is rendered again.
- Rendered lines are stored compactly (`LineBlock`); strips are built only for visible lines and
  kept in a small cache. While streaming, the virtual height grows 8 lines at a time, because each
  change of height makes Textual repaint the whole viewport.
- A new width or theme re-renders lazily: what is on screen first, the rest when it is scrolled to.
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

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.theme import Theme
from textual.worker import Worker

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.domain.models import Message
from workshop_tui.ui.widgets import conversation_actions as actions
from workshop_tui.ui.widgets.conversation_entries import (
    CITATION,
    ERROR,
    HEADER,
    PLACEHOLDER,
    SPACER,
    STATS,
    THINKING,
    TOOL,
    WAITING,
    Chunk,
    ContentPart,
    Entry,
    ToolView,
    entry_from_message,
)
from workshop_tui.ui.widgets.conversation_layout import ChunkLayout
from workshop_tui.ui.widgets.conversation_messages import CitationRequested, CopyRequested, LinkRequested
from workshop_tui.ui.widgets.conversation_text import EntryStyles, render_chunk
from workshop_tui.ui.widgets.markdown_lines import BlockRenderer

GUTTER = 2
RIGHT_MARGIN = 1
GROWTH_STEP = 8
CROWD = 4
"""Up to this many replies streaming at once in the process tick at the full rate; beyond it, each
ticks less often (by the square root of the excess), so the loop's load grows more slowly."""
_STREAMING: weakref.WeakSet[ConversationView] = weakref.WeakSet()


class ConversationView(ScrollView, can_focus=True):
    """Shows a conversation and streams one reply at a time. See the module docstring."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    ALLOW_SELECT = False
    TICK_SECONDS: ClassVar[float] = 0.08
    MAX_TICK_SECONDS: ClassVar[float] = 0.5

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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Previous", id="conversation.previous", tooltip="Select the message above"),
        Binding("down,j", "cursor(1)", "Next", id="conversation.next", tooltip="Select the message below"),
        Binding("c", "copy_message", "Copy", id="conversation.copy", tooltip="Copy the selected message"),
        Binding("y", "copy_code", "Copy code", id="conversation.copy-code",
                tooltip="Copy a code block of the selected message (again for the next one)"),
        Binding("o", "link", "Links", id="conversation.links", tooltip="Show the links of the selected message"),
        Binding("t", "toggle_thinking", "Thinking", id="conversation.thinking",
                tooltip="Show or hide the model's thinking"),
        Binding("enter", "activate", "Open", show=False, id="conversation.activate",
                tooltip="Open the selected citation, or show or hide thinking"),
        *(Binding(str(n), f"citation({n})", f"Citation {n}", show=False, id=f"conversation.citation-{n}",
                  tooltip=f"Open citation {n} of the selected message") for n in range(1, 10)),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._layout = ChunkLayout()
        self._renderer: BlockRenderer | None = None
        self._styles: EntryStyles | None = None
        self._line_styles: dict[str, Any] = {}
        self._blank_strip: Strip | None = None
        self._width = 0
        self._virtual_height = 0
        self._painted_total = 0
        self._follow = True
        self._active: Entry | None = None
        self._ticker: Worker[None] | None = None
        self._syncing = False
        self._sync_requested = False
        self._setting_scroll = False
        self.cursor = actions.Cursor()
        self.flush_seconds = 0.0
        """Time spent taking in streamed text (for benchmarks)."""

    # ---- public API -------------------------------------------------------------------------------

    @property
    def entries(self) -> Sequence[Entry]:
        return self._layout.entries

    @property
    def is_streaming(self) -> bool:
        return self._active is not None

    @property
    def following(self) -> bool:
        """True while the view keeps the end of the conversation in sight."""
        return self._follow

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
        """Start showing a reply from `model`; text then arrives through the append methods."""
        if self._active is not None:
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

    def toggle_thinking(self, index: int | None = None) -> None:
        """Expand or collapse the thinking of entry `index` (default: the selected one)."""
        if index is None:
            selected = self._selected()
            index = selected.index if selected is not None else None
        if index is None or not 0 <= index < len(self._layout.entries):
            return
        entry = self._layout.entries[index]
        if not (entry.thinking or entry.thinking_pending):
            return
        entry.thinking_expanded = not entry.thinking_expanded
        entry.invalidate(THINKING)
        self._layout.refresh_entry(entry)
        self._sync()

    def select(self, index: int | None, citation: int | None = None, *, scroll: bool = True) -> None:
        """Move the message cursor (None clears it) and bring the message into view."""
        self.cursor = actions.Cursor(index, citation)
        if index is not None and scroll:
            self._scroll_to_entry(self._layout.entries[index], citation)
        self.refresh()

    def rendered_text(self) -> list[str]:
        """The text of every line currently in the viewport, as painted (for tests and tools)."""
        return [self.render_line(y).text for y in range(self.scrollable_content_region.height)]

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
        _STREAMING.add(self)
        try:
            wait = random.uniform(0.5, 1.0) * self.TICK_SECONDS
            while self._active is not None:
                due = loop.time() + wait
                await asyncio.sleep(wait)
                late = loop.time() - due
                started = perf_counter()
                self._flush()
                cost = perf_counter() - started
                self.flush_seconds += cost
                if late > 0.025 or cost > 0.02:
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

    # ---- layout, scrolling and rendering --------------------------------------------------------

    def _content_width(self) -> int:
        return self.scrollable_content_region.width - GUTTER - RIGHT_MARGIN

    def _sync(self) -> None:
        """Render what is in and near the viewport, fix heights and the scroll position, repaint."""
        self._sync_requested = False
        if self._syncing or self._renderer is None or not self.is_mounted:
            return
        width = self._content_width()
        if width < 8:
            return
        self._syncing = True
        try:
            layout = self._layout
            if width != self._width:
                self._width = width
                layout.reestimate(width)
            view_height = max(1, self.scrollable_content_region.height)
            anchor = None if self._follow else self._anchor(view_height)
            for _ in range(100):
                top = self._target_top(anchor, view_height)
                margin = view_height // 2
                if not self._render_range(top - margin, top + view_height + margin):
                    break
            self._update_virtual_size()
            self._set_top(self._target_top(anchor, view_height))
            if layout.dirty_from is not None:
                top = self.scroll_offset.y
                first = max(layout.dirty_from, top)
                last = min(top + view_height, max(layout.total, self._painted_total))
                if first < last:
                    self.refresh_lines(first, last - first)
                layout.dirty_from = None
            self._painted_total = layout.total
        finally:
            self._syncing = False

    def _render_range(self, low: int, high: int) -> bool:
        """Render stale chunks between lines `low` and `high`. True if any height or chunk changed."""
        layout = self._layout
        if not layout.chunks or high <= 0:
            return False
        assert self._renderer is not None and self._styles is not None
        index = layout.locate(min(max(low, 0), max(layout.total - 1, 0)))
        changed_from: int | None = None
        while index < len(layout.chunks) and layout.starts[index] < high:
            chunk = layout.chunks[index]
            if chunk.kind == PLACEHOLDER:
                layout.expand(chunk.entry)
                return True
            if chunk.lines is None:
                before, old_height = chunk.previous, chunk.height
                chunk.set_lines(render_chunk(chunk, self._renderer, self._styles, self._width))
                same = chunk.lines.first_difference(before) if before is not None else 0  # type: ignore[union-attr]
                layout.mark_dirty(layout.starts[index] + same)
                if chunk.height != old_height and changed_from is None:
                    changed_from = index
            index += 1
        if changed_from is not None:
            layout.recompute(changed_from, dirty=False)
            return True
        return False

    def _anchor(self, view_height: int) -> tuple[Chunk, int, int] | None:
        """The first rendered line in the viewport: (its chunk, line within it, row on screen)."""
        layout = self._layout
        top = self.scroll_offset.y
        if not layout.chunks or top >= layout.total:
            return None
        index = layout.locate(top)
        while index < len(layout.chunks) and layout.starts[index] < top + view_height:
            chunk = layout.chunks[index]
            if chunk.lines is not None and chunk.height:
                line = max(layout.starts[index], top)
                return chunk, line - layout.starts[index], line - top
            index += 1
        return None

    def _target_top(self, anchor: tuple[Chunk, int, int] | None, view_height: int) -> int:
        if self._follow:
            return max(0, self._virtual_height_for(self._layout.total) - view_height)
        if anchor is not None:
            chunk, line, row = anchor
            start = self._layout.start_of(chunk)
            if start is not None:
                return max(0, start + min(line, max(chunk.height - 1, 0)) - row)
        return self.scroll_offset.y

    def _virtual_height_for(self, total: int) -> int:
        """While a reply streams, the height grows in steps, leaving blank lines to write into."""
        if self._active is None:
            return total
        current = self._virtual_height
        if total <= current < total + GROWTH_STEP:
            return current
        return (total // GROWTH_STEP + 1) * GROWTH_STEP

    def _update_virtual_size(self) -> None:
        height = self._virtual_height_for(self._layout.total)
        width = self.scrollable_content_region.width
        if height != self._virtual_height or self.virtual_size.width != width:
            self._virtual_height = height
            self.virtual_size = Size(width, height)

    def _set_top(self, top: int) -> None:
        if top != self.scroll_offset.y:
            self._setting_scroll = True
            try:
                self.scroll_target_y = self.scroll_y = top
            finally:
                self._setting_scroll = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._setting_scroll or self._syncing:
            return
        self._follow = round(new_value) >= self.max_scroll_y
        self._sync()

    def _scroll_to_entry(self, entry: Entry, citation: int | None) -> None:
        layout = self._layout
        layout.expand(entry)
        self._follow = False
        self._sync()
        start, end = layout.entry_span(entry)
        if citation is not None:
            chunk = entry.chunk(CITATION, citation)
            chunk_start = layout.start_of(chunk)
            if chunk_start is not None:
                start, end = chunk_start, chunk_start + chunk.height
        view_height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if start < top:
            top = start
        elif end > top + view_height:
            top = max(start, end - view_height)
        self._set_top(top)
        self._follow = top >= self.max_scroll_y
        self._sync()

    def render_line(self, y: int) -> Strip:
        layout = self._layout
        line = self.scroll_offset.y + y
        if line >= layout.total or self._renderer is None:
            return self._blank()
        index = layout.locate(line)
        chunk = layout.chunks[index]
        local = line - layout.starts[index]
        lines = chunk.lines
        if lines is None or local >= len(lines):
            if not self._sync_requested:  # scrolled by the scrollbar before a sync: render after
                self._sync_requested = True
                self.call_later(self._sync)
            return self._blank()
        # Strips are built fresh: Textual keeps the visible ones, and each strip it keeps comes with a
        # dozen small cache objects for the collector to walk, so the view keeps none of its own.
        state = self._line_state(chunk)
        segments = lines.segments(local)
        if state == 3:
            cursor_line = self._line_styles["cursor-line"]
            segments = [Segment(text, style + cursor_line if style else cursor_line) for text, style, _ in segments]
        return Strip([self._line_styles["gutter"][state], *segments], GUTTER + lines.width)

    def _blank(self) -> Strip:
        width = self.scrollable_content_region.width
        blank = self._blank_strip
        if blank is None or blank.cell_length != width:
            blank = self._blank_strip = Strip.blank(width, self.rich_style)
        return blank

    def _line_state(self, chunk: Chunk) -> int:
        """0: plain, 1: a user message, 2: the selected message, 3: the citation under the cursor."""
        if chunk.kind == SPACER:
            return 0
        cursor = self.cursor
        if cursor.entry == chunk.entry.index and self.has_focus:
            if cursor.citation is not None and chunk.kind == CITATION and chunk.arg == cursor.citation:
                return 3
            return 2
        return 1 if chunk.entry.role is MessageRole.USER else 0

    # ---- lifecycle --------------------------------------------------------------------------------

    def on_mount(self) -> None:
        super().on_mount()
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)
        self._restyle()
        self.call_after_refresh(self._sync)

    def _on_theme_changed(self, _theme: Theme) -> None:
        self.call_after_refresh(self._restyle)

    def _restyle(self) -> None:
        """Take colours from the current theme (via the component classes) and re-render lazily."""
        get = self.get_component_rich_style
        base = self.rich_style
        styles = actions.render_styles(get, base, self.app.current_theme.dark)
        if self._renderer is not None and styles == self._renderer.styles:
            return
        self._renderer = BlockRenderer(styles)
        self._styles = actions.entry_styles(get)
        user_bar = base + actions.foreground(get("conversation-view--user-bar"))
        cursor = base + actions.foreground(get("conversation-view--cursor"))
        self._line_styles = {
            "gutter": [Segment("  ", base), Segment("▎ ", user_bar), Segment("▌ ", cursor), Segment("▌ ", cursor)],
            "cursor-line": Style(bgcolor=get("conversation-view--cursor-line").bgcolor),
        }
        self._blank_strip = None
        self._width = 0  # everything is re-rendered, what is in view first
        self._sync()
        self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        self._sync()
        self.refresh()

    def on_focus(self, _event: events.Focus) -> None:
        if self.cursor.entry is None and self._layout.entries:
            self.cursor = actions.move(self.cursor, self._layout.entries, 0)
        self.refresh()

    def on_blur(self, _event: events.Blur) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        layout = self._layout
        if offset is None:
            return
        line = self.scroll_offset.y + offset.y
        if not 0 <= line < layout.total:
            return
        chunk = layout.chunks[layout.locate(line)]
        if chunk.kind == CITATION:
            self.select(chunk.entry.index, chunk.arg, scroll=False)
            self._post_citation(chunk.entry, chunk.arg)
        else:
            self.select(chunk.entry.index, scroll=False)
            if chunk.kind == THINKING:
                self.toggle_thinking(chunk.entry.index)

    # ---- actions ----------------------------------------------------------------------------------

    def _selected(self) -> Entry | None:
        """The selected entry; a key used before any selection selects the last message."""
        if self.cursor.entry is None and self._layout.entries:
            self.select(len(self._layout.entries) - 1, scroll=False)
        index = self.cursor.entry
        if index is None or not 0 <= index < len(self._layout.entries):
            return None
        return self._layout.entries[index]

    def action_cursor(self, step: int) -> None:
        cursor = actions.move(self.cursor, self._layout.entries, step)
        self.select(cursor.entry, cursor.citation)

    def action_copy_message(self) -> None:
        entry = self._selected()
        if entry is not None:
            self.post_message(CopyRequested(self, actions.entry_text(entry), "message"))

    def action_copy_code(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        blocks = actions.code_blocks(entry)
        if not blocks:
            return
        self.post_message(CopyRequested(self, blocks[entry.code_turn % len(blocks)], "code"))
        entry.code_turn += 1

    def action_link(self) -> None:
        entry = self._selected()
        urls = actions.links(entry) if entry is not None else []
        if entry is None or not urls:
            return
        self.post_message(LinkRequested(self, urls[entry.link_turn % len(urls)], tuple(urls)))
        entry.link_turn += 1

    def action_toggle_thinking(self) -> None:
        self.toggle_thinking()

    def action_activate(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        if self.cursor.citation is not None:
            self._post_citation(entry, self.cursor.citation)
        else:
            self.toggle_thinking()

    def action_citation(self, number: int) -> None:
        entry = self._selected()
        if entry is not None and 0 < number <= len(entry.citations):
            self.select(entry.index, number - 1)
            self._post_citation(entry, number - 1)

    def _post_citation(self, entry: Entry, index: int) -> None:
        self.post_message(CitationRequested(self, dict(entry.citations[index]), index + 1))
