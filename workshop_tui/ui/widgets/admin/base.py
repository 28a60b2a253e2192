"""What every section of the Admin place shares: the app and actor, loading when first shown, and
short helpers for times and tables."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.widget import Widget
from textual.widgets import DataTable

if TYPE_CHECKING:
    from workshop_tui.services.access import Actor
    from workshop_tui.ui.app import WorkshopApp


def css_beside(module_file: str) -> str:
    """The `.tcss` file beside a widget's module, as its DEFAULT_CSS."""
    return Path(module_file).with_suffix(".tcss").read_text(encoding="utf-8")


def when(moment: datetime | None, pattern: str = "%d %b %H:%M") -> str:
    """A moment as the admin screens show it (UTC), or a dash."""
    return moment.strftime(pattern) if moment is not None else "—"


def highlighted_key(table: DataTable[object]) -> str | None:
    """The key of the row under the cursor, if any."""
    if table.row_count == 0:
        return None
    try:
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    except Exception:
        return None
    return row_key.value


class AdminPane(Widget):
    """One section (tab) of the Admin place. `load()` runs the first time the section is shown."""

    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._loaded = False

    @property
    def workshop_app(self) -> WorkshopApp:
        return self.app  # type: ignore[return-value]

    @property
    def actor(self) -> Actor:
        actor = self.workshop_app.actor
        if actor is None:
            raise RuntimeError("nobody is signed in")
        return actor

    def shown(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.load()
        else:
            self.reshown()

    def load(self) -> None:
        """Start loading (in a worker); subclasses override."""

    def reshown(self) -> None:
        """The section is shown again: sections that do not follow events read again here."""

    def focus_first(self) -> None:
        """Put the focus where this section's work starts."""
        for widget in self.query("DataTable, Input"):
            if widget.focusable:
                widget.focus()
                return
