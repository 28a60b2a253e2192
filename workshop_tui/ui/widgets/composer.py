"""Where a message is written: Enter sends, Shift+Enter or Ctrl+J starts a new line, Up on an empty
composer brings the last message back to edit, and `/` on an empty composer opens the prompt
library. The composer only says what happened; the chat screen decides what to do."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea


class Composer(TextArea):
    DEFAULT_CSS = """
    Composer { height: auto; min-height: 3; max-height: 10; border: round $primary 50%; }
    Composer:focus { border: round $primary; }
    """

    @dataclass
    class Submitted(Message):
        composer: Composer
        text: str

        @property
        def control(self) -> Composer:
            return self.composer

    @dataclass
    class RecallRequested(Message):
        composer: Composer

        @property
        def control(self) -> Composer:
            return self.composer

    @dataclass
    class LibraryRequested(Message):
        composer: Composer

        @property
        def control(self) -> Composer:
            return self.composer

    def __init__(self, *, id: str | None = "composer") -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                         placeholder="Write a message: Enter sends, Shift+Enter or Ctrl+J adds a line, "
                                     "/ opens the prompt library")

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.prevent_default()
            event.stop()
            if self.text.strip():
                self.post_message(self.Submitted(self, self.text))
            return
        if event.key in ("shift+enter", "ctrl+j"):
            event.prevent_default()
            event.stop()
            self.insert("\n")
            return
        if not self.text:
            if event.key == "up":
                event.prevent_default()
                event.stop()
                self.post_message(self.RecallRequested(self))
                return
            if event.character == "/":
                event.prevent_default()
                event.stop()
                self.post_message(self.LibraryRequested(self))
                return
        await super()._on_key(event)

    def set_text(self, text: str) -> None:
        """Replace the text and put the cursor at its end, ready to edit."""
        self.text = text
        self.move_cursor(self.document.end)
