"""The keyboard and mouse half of `ConversationView`: the message cursor and what keys ask for.

The cursor selects a message, or one of the citations listed under a reply. Copying, links and
citations are not acted on here: the view posts a message and the screen decides (copying reaches
the user's clipboard through the screen; links are shown, never opened on the server).
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType

from workshop_tui.ui.widgets import conversation_actions as actions
from workshop_tui.ui.widgets.conversation_entries import CITATION, THINKING, Entry
from workshop_tui.ui.widgets.conversation_messages import CitationRequested, CopyRequested, LinkRequested
from workshop_tui.ui.widgets.conversation_viewport import ConversationViewport


class ConversationControls(ConversationViewport):
    """Selection, keys and clicks over a `ConversationViewport`."""

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
