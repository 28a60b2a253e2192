"""Ask for one line of text (a new title, a search): Enter accepts, Escape cancels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from workshop_tui.ui.text import plain


class TextEntryModal(ModalScreen[str | None]):
    DEFAULT_CSS = """
    TextEntryModal { align: center middle; }
    TextEntryModal #dialog { width: 64; height: auto; padding: 1 2; border: round $primary; background: $surface; }
    TextEntryModal Input { margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, question: str, value: str = "", *, max_length: int = 200) -> None:
        super().__init__()
        self._question = question
        self._value = value
        self._max_length = max_length

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(plain(self._question))
            yield Input(value=self._value, max_length=self._max_length, id="entry")

    @on(Input.Submitted, "#entry")
    def _accept(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
