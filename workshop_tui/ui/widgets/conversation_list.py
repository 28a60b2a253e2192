"""The conversation list: newest first, filtered by a search box, with keys to open, rename and
delete. It shows titles as plain text and reports choices with messages; the chat screen calls
the services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from workshop_tui.domain.models import Conversation
from workshop_tui.ui.text import plain


class ConversationList(Vertical):
    DEFAULT_CSS = """
    ConversationList { width: 30; height: 1fr; border-right: tall $panel; }
    ConversationList Input { margin: 0 0 1 0; }
    ConversationList OptionList { height: 1fr; border: none; padding: 0; }
    """
    BINDINGS = [
        Binding("r", "rename", "Rename", id="rename", tooltip="Rename the highlighted conversation"),
        Binding("d,delete", "delete", "Delete", id="delete", tooltip="Delete the highlighted conversation"),
    ]

    @dataclass
    class Chosen(Message):
        conversation_id: int
        action: str  # "open", "rename" or "delete"

    def __init__(self, *, id: str | None = "conversations") -> None:
        super().__init__(id=id)
        self._all: list[Conversation] = []
        self._current: int | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search conversations", id="search", compact=True)
        yield OptionList(id="conversation-options")

    def show(self, conversations: Sequence[Conversation], current: int | None) -> None:
        self._all = sorted(conversations, key=lambda c: (c.updated_at or c.created_at, c.id), reverse=True)
        self._current = current
        self._refill()

    def _refill(self) -> None:
        words = self.query_one("#search", Input).value.lower().split()
        shown = [c for c in self._all if all(word in c.title.lower() for word in words)]
        options = self.query_one("#conversation-options", OptionList)
        options.clear_options()
        options.add_options([Option(plain(c.title), id=str(c.id)) for c in shown])
        ids = [c.id for c in shown]
        if self._current in ids:
            options.highlighted = ids.index(self._current)
        elif ids:  # the open one is filtered out: Enter opens the first match
            options.highlighted = 0

    @on(Input.Changed, "#search")
    def _search(self) -> None:
        self._refill()

    @on(OptionList.OptionSelected, "#conversation-options")
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(int(event.option.id), "open"))

    def _highlighted(self) -> int | None:
        options = self.query_one("#conversation-options", OptionList)
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        return int(option.id) if option.id else None

    def action_rename(self) -> None:
        chosen = self._highlighted()
        if chosen is not None:
            self.post_message(self.Chosen(chosen, "rename"))

    def action_delete(self) -> None:
        chosen = self._highlighted()
        if chosen is not None:
            self.post_message(self.Chosen(chosen, "delete"))
