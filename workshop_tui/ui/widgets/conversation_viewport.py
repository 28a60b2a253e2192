"""The viewport half of `ConversationView`: chunks near the viewport rendered, heights, scrolling.

The conversation is a flat list of chunks (`ChunkLayout`). Only chunks near the viewport are
rendered; the rest keep estimated heights, and an entry far from the viewport is one placeholder.
Whenever the viewport moves, its size or theme changes, or streamed text arrives, `_sync` renders
what came into view, fixes the heights, keeps the first rendered line on screen in place (or the end
in view, while following), and repaints only the lines that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workshop_tui.domain.enums import MessageRole
from workshop_tui.ui.widgets import conversation_actions as actions
from workshop_tui.ui.widgets.conversation_entries import CITATION, PLACEHOLDER, SPACER, Chunk, Entry
from workshop_tui.ui.widgets.conversation_layout import ChunkLayout
from workshop_tui.ui.widgets.conversation_text import EntryStyles, render_chunk
from workshop_tui.ui.widgets.markdown_lines import BlockRenderer

GUTTER = 2
RIGHT_MARGIN = 1
GROWTH_STEP = 8
"""While a reply streams, the virtual height grows this many lines at a time: each change of
height scrolls, and every scroll makes Textual repaint the whole viewport."""


class ConversationViewport(ScrollView):
    """A Line API view of a `ChunkLayout`; `ConversationView` adds streaming, keys and messages."""

    ALLOW_SELECT = False

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
        """The entry of the reply that is streaming, if any."""
        self._syncing = False
        self._sync_requested = False
        self._setting_scroll = False
        self.cursor = actions.Cursor()

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

    def rendered_text(self) -> list[str]:
        """The text of every line currently in the viewport, as painted (for tests and tools)."""
        return [self.render_line(y).text for y in range(self.scrollable_content_region.height)]

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
