"""The place of a screen that is not built yet: says so plainly, with what it will be for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from workshop_tui.ui.screens.base import PlaceScreen
from workshop_tui.ui.text import plain


class ComingScreen(PlaceScreen):
    CSS_PATH = "coming.tcss"

    def compose_body(self) -> ComposeResult:
        yield Static(plain(f"{self.place.label}: coming"), id="coming-title")
        yield Static(plain(f"This screen will show {self.place.summary}. It is not built yet; "
                           "nothing here is sample data."), id="coming-text")
