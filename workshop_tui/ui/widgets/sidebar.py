"""The sidebar: every place the signed-in role may see, the current one highlighted.

It rebuilds itself when the role changes (the app's `user` changes), shows staff how many
registrations wait on the Admin entry (the app's `pending_registrations`), offers a guardian their
family view, and tells the app where to go with a `Sidebar.Chosen` message; it never switches
screens itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, OptionList
from textual.widgets.option_list import Option

from workshop_tui.domain.enums import Role
from workshop_tui.ui.navigation import BY_KEY, Place, visible_places
from workshop_tui.ui.text import plain

ADMIN = "admin"


class Sidebar(Widget):
    DEFAULT_CSS = """
    Sidebar { width: 18; height: 1fr; background: $panel; }
    Sidebar OptionList { height: 1fr; border: none; background: $panel; padding: 0; }
    Sidebar OptionList:focus { border: none; }
    Sidebar Button { width: 100%; min-width: 0; margin: 0 1 1 1; }
    Sidebar #family { display: none; }
    Sidebar #family.shown { display: block; }
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
        yield Button("Family", id="family", variant="default", compact=True)
        yield Button("Sign out", id="sign-out", variant="default", compact=True)

    def on_mount(self) -> None:
        self.watch(self.app, "user", self._user_changed)
        self.watch(self.app, "pending_registrations", self._count_changed)

    def _user_changed(self) -> None:
        user = getattr(self.app, "user", None)
        self.show_places(visible_places(user.role) if user is not None else [])
        actor = getattr(self.app, "actor", None)
        self.query_one("#family", Button).set_class(bool(actor is not None and actor.wards), "shown")

    def _count_changed(self) -> None:
        if ADMIN in self._keys:
            self.query_one("#places", OptionList).replace_option_prompt(ADMIN, self._label(BY_KEY[ADMIN]))

    def _label(self, place: Place) -> Content:
        count = int(getattr(self.app, "pending_registrations", 0) or 0)
        return plain(f"{place.label} ({count})" if place.key == ADMIN and count else place.label)

    def show_places(self, places: list[Place]) -> None:
        options = self.query_one("#places", OptionList)
        keys = [place.key for place in places]
        if keys == self._keys:
            return
        self._keys = keys
        options.clear_options()
        options.add_options([Option(self._label(place), id=place.key) for place in places])
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

    @on(Button.Pressed, "#family")
    def _family(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Chosen("family"))
