"""What the resource screens (documents, vector DBs, embeddings, RAG systems) share: a bar of
buttons for the screen's actions, each shown only while the signed-in role may do it on what is
selected (the same `check_action` that hides the key from the footer), a main table whose rows are
keyed by resource id, and a status line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from workshop_tui.ui.permissions import may_change
from workshop_tui.ui.screens.base import PlaceScreen
from workshop_tui.ui.text import plain

if TYPE_CHECKING:
    from workshop_tui.services.access import Actor

T = TypeVar("T")


class ResourceScreen(PlaceScreen):
    ACTIONS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(action, button label): the buttons of the action bar, in order."""
    DANGER: ClassVar[frozenset[str]] = frozenset({"delete"})
    TABLE: ClassVar[str] = ""
    """The id of the screen's main table."""

    def __init__(self, place):  # type: ignore[no-untyped-def]
        super().__init__(place)
        self.select_next: int | None = None
        """A row to put the cursor on at the next `fill` (something just created)."""

    def compose_actions(self) -> ComposeResult:
        with Horizontal(id="actions"):
            for action, label in self.ACTIONS:
                yield Button(label, id=f"do-{action}", compact=True,
                             variant="error" if action in self.DANGER else "default")

    def sync_actions(self) -> None:
        """Show the footer keys and the buttons of what may be done now."""
        self.refresh_bindings()
        for action, _label in self.ACTIONS:
            self.query_one(f"#do-{action}", Button).display = self.check_action(action, ()) is True

    @on(Button.Pressed)
    async def _action_button(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if button.startswith("do-"):
            event.stop()
            await self.run_action(button.removeprefix("do-"))

    def table(self) -> DataTable[Any]:
        return self.query_one(f"#{self.TABLE}", DataTable)

    def selected_id(self) -> int | None:
        """The id of the row under the cursor, or None in an empty table (or before there is one)."""
        found = self.query(f"#{self.TABLE}")
        table = found.first(DataTable) if found else None
        if table is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def fill(self, rows: Iterable[tuple[int, Sequence[Any]]]) -> None:
        """Replace the table's rows (id, cells), keeping the cursor where it was or on `select_next`."""
        table = self.table()
        keep = self.select_next if self.select_next is not None else self.selected_id()
        self.select_next = None
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=str(key))
        if keep is not None and str(keep) in table.rows:
            table.move_cursor(row=table.get_row_index(str(keep)))

    def status(self, text: str, *, error: bool = False) -> None:
        line = self.query_one("#status", Static)
        line.update(plain(text))
        line.set_class(error, "error")

    def selected(self) -> Any:
        """The resource under the cursor, or None."""
        return None

    async def edit(self, current: Any) -> None:
        """Create (`current` is None) or change a resource through the screen's form."""

    def action_create(self) -> None:
        self.run_worker(self.edit(None), group=f"{self.TABLE}-edit", exclusive=True, exit_on_error=False)

    def action_change(self) -> None:
        chosen = self.selected()
        if chosen is not None and may_change(self.workshop_app.user, chosen):
            self.run_worker(self.edit(chosen), group=f"{self.TABLE}-edit", exclusive=True, exit_on_error=False)

    async def ask(self, call: Callable[[Actor], Awaitable[T]], description: str) -> T | None:
        """Make a service call as the signed-in actor, through `guarded`: None when refused or signed out."""
        app = self.workshop_app
        if app.actor is None:
            return None
        return await app.guarded(call(app.actor), description)  # type: ignore[no-any-return]
