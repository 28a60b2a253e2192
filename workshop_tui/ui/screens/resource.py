"""What the resource screens (documents, vector DBs, embeddings, RAG systems) share: a bar of
buttons for the screen's actions, each shown only while the signed-in role may do it on what is
selected (the same `check_action` that hides the key from the footer), and the selected row."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable

from workshop_tui.ui.screens.base import PlaceScreen


class ResourceScreen(PlaceScreen):
    ACTIONS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(action, button label): the buttons of the action bar, in order."""
    DANGER: ClassVar[frozenset[str]] = frozenset({"delete"})

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

    @staticmethod
    def row_key(table: DataTable[Any]) -> str | None:
        """The key of the row under the cursor, or None in an empty table."""
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
