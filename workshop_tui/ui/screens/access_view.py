"""What can this user see: every model, tool, prompt, document, vector DB and RAG system, whether
the account may use it, and why ("public", "granted by ada on 3 Dec", "instructor role").

The answers are the services' own (`effective_access.explain`), so "why can sam use llama3.2?" is
answered on one screen: type "llama" in the filter. Names are shown as plain text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Select, Static

from workshop_tui.services.effective_access import KINDS, AccessItem, EffectiveAccess
from workshop_tui.ui.text import cell, plain, styled
from workshop_tui.ui.widgets.tables import rows_table
from workshop_tui.ui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from workshop_tui.ui.app import WorkshopApp


class AccessViewScreen(Screen[None]):
    CSS_PATH = "access_view.tcss"
    AUTO_FOCUS = "#access-filter"
    BINDINGS = [Binding("escape", "back", "Back", id="access.back", tooltip="Back to where you were"),
                Binding("ctrl+r", "reload", "Reload", id="access.reload", tooltip="Ask the services again")]

    def __init__(self, user_id: int) -> None:
        super().__init__(name="access")
        self.user_id = user_id
        self.access: EffectiveAccess | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("Admin › What can this user see")
        yield Static("", id="access-title")
        with Horizontal(id="access-filters"):
            yield Input(placeholder="filter by name (e.g. llama)", id="access-filter", compact=True, max_length=100)
            yield Select([(kind, kind) for kind in KINDS], prompt="everything", id="access-kind", compact=True)
        # "May use" holds a styled Content, which the table cannot measure: its width is given.
        yield rows_table("access-table", "Kind", "Name", ("May use", "allowed", 7), "Why")
        yield Static("", id="access-summary")
        yield Footer()

    @property
    def workshop_app(self) -> WorkshopApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self._load()

    def action_reload(self) -> None:
        self._load()

    def action_back(self) -> None:
        self.dismiss(None)

    @work(group="access-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        app = self.workshop_app
        access = await app.guarded(app.services.effective_access.explain(app.actor, self.user_id),
                                   "What can this user see")
        if access is None:
            self.dismiss(None)
            return
        self.access = access
        user = access.user
        self.query_one("#access-title", Static).update(plain(
            f"What {user.display_name} ({user.username}, {user.role}, {user.status}) can see and use"))
        self._show()

    @on(Input.Changed, "#access-filter")
    @on(Select.Changed, "#access-kind")
    def _show(self) -> None:
        if self.access is None:
            return
        needle = self.query_one("#access-filter", Input).value.strip().casefold()
        kind = self.query_one("#access-kind", Select).value
        items = [i for i in self.access.items if (kind is Select.NULL or i.kind == kind)
                 and needle in i.name.casefold()]
        table = self.query_one("#access-table", DataTable)
        table.clear()
        for item in items:
            table.add_row(cell(item.kind), cell(item.name), _verdict(item), cell(item.reason))
        allowed = sum(1 for i in items if i.allowed)
        self.query_one("#access-summary", Static).update(plain(
            f"{allowed} of {len(items)} usable · answers from the services' own checks · Ctrl+R asks again"))


def _verdict(item: AccessItem) -> object:
    return styled("yes", "$success") if item.allowed else styled("no", "$error")
