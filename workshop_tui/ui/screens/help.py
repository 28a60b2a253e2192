"""The help screen (F1 or ?): the keys of the screen you came from, then the app's own."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from workshop_tui.ui.text import plain

KeyRow = tuple[str, str, str]  # key, what it does, more detail


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="close")]

    def __init__(self, title: str, rows: list[KeyRow]) -> None:
        super().__init__(name="help")
        self._title = title
        self._rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card"):
            yield Static(plain(f"Keys: {self._title}"), id="title")
            table: DataTable[object] = DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            table.add_column("Key", width=12)
            table.add_column("Does", width=28)
            table.add_column("Detail", width=36)
            for key, does, detail in self._rows:
                table.add_row(plain(key), plain(does), plain(detail))
            yield table
            yield Static(plain("Ctrl+P opens the command palette: every action of this screen, searchable. "
                               "The mouse works everywhere: click, scroll, select. Esc closes this help."),
                         id="palette-hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
