"""Accounts by role and status, with search; Enter opens one, `w` shows what it can see.

The list holds the accounts the viewer manages (an instructor sees students, family accounts and
guests), as the service lists them; a DataTable, so a class of hundreds scrolls smoothly."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.models import User
from workshop_tui.ui.text import cell, plain
from workshop_tui.ui.widgets.admin.base import AdminPane, css_beside, highlighted_key, when
from workshop_tui.ui.widgets.tables import rows_table

MAX_ROWS = 1000
TYPING_PAUSE_S = 0.2  # search once typing pauses this long


class UsersPane(AdminPane):
    DEFAULT_CSS = css_beside(__file__)
    BINDINGS = [
        Binding("w", "what_can_they_see", "What can they see", id="users.access",
                tooltip="Every model, tool and resource the highlighted account may use, and why"),
        Binding("slash", "search", "Search", id="users.search", tooltip="Search by name or email"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.users: dict[str, User] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="users-filters"):
            yield Input(placeholder="search username, name or email", id="users-search", max_length=100,
                        compact=True)
            yield Select([(r.value, r) for r in Role], prompt="every role", id="users-role", compact=True)
            yield Select([(s.value, s) for s in AccountStatus], prompt="every status", id="users-status",
                         compact=True)
        yield rows_table("users-table", "Username", "Name", "Role", "Status", "Last sign-in")
        yield Static("", id="users-summary")

    def load(self) -> None:
        self._reload(pause=False)

    def reshown(self) -> None:
        self._reload(pause=False)

    def focus_first(self) -> None:
        self.query_one("#users-table").focus()

    def action_search(self) -> None:
        self.query_one("#users-search").focus()

    @on(Input.Changed, "#users-search")
    @on(Select.Changed)
    def _filters_changed(self) -> None:
        self._reload()

    @on(Input.Submitted, "#users-search")
    def _to_table(self) -> None:
        self.query_one("#users-table").focus()

    @work(group="users-load", exclusive=True, exit_on_error=False)
    async def _reload(self, pause: bool = True) -> None:
        if pause:
            await asyncio.sleep(TYPING_PAUSE_S)  # a newer keystroke cancels this one (exclusive)
        role = self.query_one("#users-role", Select).value
        status = self.query_one("#users-status", Select).value
        app = self.workshop_app
        users = await app.guarded(app.services.accounts.list_users(
            self.actor, role=None if role is Select.NULL else Role(str(role)),
            status=None if status is Select.NULL else AccountStatus(str(status)),
            text=self.query_one("#users-search", Input).value, limit=MAX_ROWS), "Listing accounts")
        if users is not None:
            self.show(users)

    def show(self, users: list[User]) -> None:
        table = self.query_one("#users-table", DataTable)
        keep = highlighted_key(table)
        table.clear()
        self.users = {str(u.id): u for u in users}
        for key, user in self.users.items():
            table.add_row(*map(cell, (user.username, user.display_name, user.role.value, user.status.value,
                                      when(user.last_login_at))), key=key)
        if keep in self.users:
            table.move_cursor(row=table.get_row_index(keep))
        more = " (the first 1000 shown: search to narrow)" if len(users) >= MAX_ROWS else ""
        self.query_one("#users-summary", Static).update(plain(
            f"{len(users)} account(s){more} · Enter open · w what can they see · / search"))

    @on(DataTable.RowSelected, "#users-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value in self.users:
            from workshop_tui.ui.screens.user_detail import UserDetailScreen

            self.app.push_screen(UserDetailScreen(self.users[event.row_key.value].id), lambda _: self.reshown())

    def action_what_can_they_see(self) -> None:
        key = highlighted_key(self.query_one("#users-table", DataTable))
        if key in self.users:
            from workshop_tui.ui.screens.access_view import AccessViewScreen

            self.app.push_screen(AccessViewScreen(self.users[key].id))
