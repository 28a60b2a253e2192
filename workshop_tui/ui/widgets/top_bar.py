"""The line above every screen: where you are, who you are, and the session's banner (the demo
names which Ollama answers). Everything in it is shown as plain text."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from workshop_tui.ui.text import plain


class TopBar(Horizontal):
    DEFAULT_CSS = """
    TopBar { height: 1; dock: top; background: $primary-muted; color: $foreground; }
    TopBar #title { width: 1fr; padding: 0 1; text-style: bold; }
    TopBar #who { width: auto; padding: 0 1; color: $text-muted; }
    TopBar #banner { width: auto; padding: 0 1; background: $warning-muted; color: $foreground; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        yield Static(plain(self._title), id="title")
        banner = getattr(self.app, "session", None) and self.app.session.banner  # type: ignore[attr-defined]
        if banner:
            yield Static(plain(banner), id="banner")
        yield Static("", id="who")

    def on_mount(self) -> None:
        self.watch(self.app, "user", self._user_changed)

    def _user_changed(self) -> None:
        user = getattr(self.app, "user", None)
        who = f"{user.display_name} ({user.username}, {user.role})" if user is not None else ""
        self.query_one("#who", Static).update(plain(who))
