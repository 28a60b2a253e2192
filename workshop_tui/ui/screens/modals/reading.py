"""Show a longer text to read (a cited chunk, a link's address), with a copy button.

Copying goes through the terminal (OSC 52), so it lands on the reader's own clipboard, over SSH
too. Nothing is opened on the machine the app runs on."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from workshop_tui.ui.text import plain, say


class ReadingModal(ModalScreen[None]):
    DEFAULT_CSS = """
    ReadingModal { align: center middle; }
    ReadingModal #dialog { width: 90%; max-width: 100; height: auto; max-height: 90%; padding: 1 2;
                           border: round $primary; background: $surface; }
    ReadingModal #heading { text-style: bold; color: $primary; }
    ReadingModal #detail { color: $text-muted; margin-bottom: 1; }
    ReadingModal VerticalScroll { height: auto; max-height: 24; }
    ReadingModal Horizontal { height: auto; margin-top: 1; }
    ReadingModal Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close", id="close"),
                Binding("c", "copy", "Copy", id="copy", tooltip="Copy to your clipboard")]

    def __init__(self, heading: str, body: str, *, detail: str = "", copy_label: str = "Copy") -> None:
        super().__init__()
        self._heading, self._body, self._detail, self._copy_label = heading, body, detail, copy_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(plain(self._heading), id="heading")
            if self._detail:
                yield Static(plain(self._detail), id="detail")
            with VerticalScroll():
                yield Static(plain(self._body), id="body")
            with Horizontal():
                yield Button(plain(self._copy_label), id="copy", variant="primary")
                yield Button("Close", id="close")

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._body)
        say(self.app, "Copied to your clipboard (your terminal must allow it).", timeout=4)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
