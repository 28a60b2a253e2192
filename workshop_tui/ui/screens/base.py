"""What every resource screen shares: the top bar, the sidebar and the footer around its body.

Subclasses give `compose_body()` and, for the command palette, `palette_commands()`. They reach the
services through `self.app.services` and the signed-in actor through `self.app.actor`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from workshop_tui.ui.compositor import PartialCompositor
from workshop_tui.ui.navigation import Place
from workshop_tui.ui.widgets.sidebar import Sidebar
from workshop_tui.ui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from workshop_tui.ui.app import WorkshopApp


class PlaceScreen(Screen[None]):
    """A screen that is one place of the sidebar."""

    SHOWS_PLACE = True

    def __init__(self, place: Place) -> None:
        super().__init__(name=place.key)
        self.place = place
        self._compositor = PartialCompositor()  # partial updates redraw only the widgets they touch

    @property
    def workshop_app(self) -> WorkshopApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield TopBar(self.place.label)
        with Horizontal(id="frame"):
            yield Sidebar(self.place.key)
            with Vertical(id="body"):
                yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def palette_commands(self) -> Iterable[SystemCommand]:
        """This screen's own commands for the command palette (besides the app's)."""
        return ()

    @on(Sidebar.Chosen)
    def _go(self, event: Sidebar.Chosen) -> None:
        event.stop()
        self.workshop_app.request_go(event.place)

    def run_service(self, work: Any, *, group: str, description: str = "") -> None:
        """Run a service call in a named worker; failures become one notification."""
        self.run_worker(self.workshop_app.guarded(work, description), group=group, exit_on_error=False)
