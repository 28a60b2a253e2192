"""The sidebar: every place the signed-in role may see, the current one highlighted.

It rebuilds itself when the role changes (the app's `user` changes), and tells the app where to go
with a `Sidebar.Chosen` message; it never switches screens itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, OptionList
from textual.widgets.option_list import Option

from workshop_tui.domain.enums import Role
from workshop_tui.ui.navigation import Place, visible_places
from workshop_tui.ui.text import plain


class Sidebar(Widget):
    DEFAULT_CSS = """
    Sidebar { width: 18; height: 1fr; background: $panel; }
    Sidebar OptionList { height: 1fr; border: none; background: $panel; padding: 0; }
    Sidebar OptionList:focus { border: none; }
    Sidebar Button { width: 100%; min-width: 0; margin: 0 1 1 1; }
    """

    @dataclass
    class Chosen(Message):
        place: str

    def __init__(self, current: str, *, id: str | None = "sidebar") -> None:
        super().__init__(id=id)
        self.current = current
        self._keys: list[str] = []

    def compose(self) -> ComposeResult:
        yield OptionList(id="places")
        yield Button("Sign out", id="sign-out", variant="default", compact=True)

    def on_mount(self) -> None:
        self.watch(self.app, "user", self._user_changed)

    def _user_changed(self) -> None:
        user = getattr(self.app, "user", None)
        self.show_places(visible_places(user.role) if user is not None else [])

    def show_places(self, places: list[Place]) -> None:
        options = self.query_one("#places", OptionList)
        keys = [place.key for place in places]
        if keys == self._keys:
            return
        self._keys = keys
        options.clear_options()
        options.add_options([Option(plain(place.label), id=place.key) for place in places])
        if self.current in keys:
            options.highlighted = keys.index(self.current)

    def can_show(self, role: Role, key: str) -> bool:
        return any(place.key == key for place in visible_places(role))

    @on(OptionList.OptionSelected, "#places")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(event.option.id))

    @on(Button.Pressed, "#sign-out")
    def _sign_out(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Chosen("sign-out"))
