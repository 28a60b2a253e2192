"""The conversation as one flat list of chunks with the line each starts at.

`ConversationView` is a single Line API widget: the line under row `y` is found by bisecting the
start lines. Only the last entry changes while a reply streams, so keeping the start lines up to
date costs a few steps per change.
"""

from __future__ import annotations

from bisect import bisect_right

from workshop_tui.ui.widgets.conversation_entries import MARKDOWN, OPEN, PLACEHOLDER, Chunk, Entry
from workshop_tui.ui.widgets.markdown_lines import estimate_height


class ChunkLayout:
    """Entries in order, their chunks in order, and the first line of every chunk."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.chunks: list[Chunk] = []
        self.starts: list[int] = [0]
        self.width = 80
        self.dirty_from: int | None = None
        """The first line whose content changed since the view last refreshed (None: none)."""

    @property
    def total(self) -> int:
        return self.starts[-1]

    def clear(self) -> None:
        self.entries.clear()
        self.chunks.clear()
        self.starts = [0]
        self.dirty_from = 0

    def mark_dirty(self, line: int) -> None:
        if self.dirty_from is None or line < self.dirty_from:
            self.dirty_from = line

    def add_entry(self, entry: Entry, *, expanded: bool = False) -> None:
        entry.index = len(self.entries)
        entry.first = len(self.chunks)
        entry.expanded = expanded
        entry.chunks = self._chunks_of(entry)
        self.entries.append(entry)
        self.chunks.extend(entry.chunks)
        self.recompute(entry.first)

    def _chunks_of(self, entry: Entry) -> list[Chunk]:
        if not entry.expanded:
            placeholder = entry.chunk(PLACEHOLDER)
            placeholder.height = entry.estimate(self.width)
            return [placeholder]
        chunks = entry.build()
        for chunk in chunks:
            if chunk.lines is None and chunk.version == 0:
                if chunk.kind in (MARKDOWN, OPEN):
                    chunk.height = estimate_height(chunk.source, self.width) if chunk.source.strip() else 0
        return chunks

    def expand(self, entry: Entry) -> None:
        if not entry.expanded:
            entry.expanded = True
            self.refresh_entry(entry)

    def refresh_entry(self, entry: Entry) -> None:
        """Rebuild an entry's chunk list (after something was added to it) and shift what follows."""
        new = self._chunks_of(entry)
        old = entry.chunks
        same = 0  # chunks at the start that did not move need no repaint
        while same < len(old) and same < len(new) and old[same] is new[same] and new[same].lines is not None:
            same += 1
        self.chunks[entry.first:entry.first + len(old)] = new
        entry.chunks = new
        delta = len(new) - len(old)
        if delta:
            for later in self.entries[entry.index + 1:]:
                later.first += delta
        self.recompute(entry.first + min(same, max(len(new) - 1, 0)))

    def recompute(self, first: int, *, dirty: bool = True) -> None:
        """Renumber chunks and their start lines from chunk `first` on (and mark them for repaint,
        unless the caller marked what changed)."""
        chunks, starts = self.chunks, self.starts
        del starts[first + 1:]
        line = starts[first]
        if dirty:
            self.mark_dirty(line)
        for index in range(first, len(chunks)):
            chunk = chunks[index]
            chunk.index = index
            line += chunk.height
            starts.append(line)

    def locate(self, line: int) -> int:
        """Index of the chunk holding `line` (0 <= line < total); empty chunks are skipped."""
        return bisect_right(self.starts, line) - 1

    def start_of(self, chunk: Chunk) -> int | None:
        """The first line of `chunk`, or None if it is no longer in the layout."""
        index = chunk.index
        if index < len(self.chunks) and self.chunks[index] is chunk:
            return self.starts[index]
        return None

    def entry_span(self, entry: Entry) -> tuple[int, int]:
        return self.starts[entry.first], self.starts[entry.first + len(entry.chunks)]

    def reestimate(self, width: int) -> None:
        """A new width: every rendering is stale; heights stay as estimates until re-rendered."""
        self.width = width
        for chunk in self.chunks:
            chunk.invalidate()
            if chunk.kind == PLACEHOLDER:
                chunk.height = chunk.entry.estimate(width)
        self.recompute(0)
