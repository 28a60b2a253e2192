"""The frame of an editing dialog: its heading and its Save and Cancel buttons stay in view while
the fields between them scroll. Subclasses give the heading, the fields and what saving does."""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from workshop_tui.ui.text import plain

T = TypeVar("T")


class EditorModal(ModalScreen[T | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel"), Binding("ctrl+s", "save", "Save", id="save")]

    def heading(self) -> str:
        raise NotImplementedError

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError

    def action_save(self) -> None:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(plain(self.heading()), id="heading")
            with VerticalScroll(id="form"):
                yield from self.compose_fields()
            with Horizontal(id="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        # Focusing the first field may scroll the form before it has its height: start at the top.
        self.call_after_refresh(self.query_one("#form").scroll_home, animate=False)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
