"""Waiting for approval: what a new account sees until an instructor acts.

Nothing to do here but wait or sign out. The app watches the account's events, so this screen moves
on by itself the moment the account is approved, and a rejection signs out with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from workshop_tui.domain.models import User
from workshop_tui.ui.text import plain

if TYPE_CHECKING:
    from workshop_tui.ui.app import WorkshopApp


class PendingScreen(Screen[None]):
    CSS_PATH = "pending.tcss"

    def __init__(self, user: User) -> None:
        super().__init__(name="pending")
        self.user = user

    def compose(self) -> ComposeResult:
        when = self.user.created_at.strftime("%d %b %Y at %H:%M UTC") if self.user.created_at else "just now"
        with Vertical(id="card"):
            yield Static(plain(f"Hello, {self.user.display_name}"), id="hello")
            yield Static(plain(f"Your account {self.user.username} is waiting for approval by an "
                               "instructor or admin."), id="status")
            yield Static(plain(f"Registered {when}. This screen moves on by itself when your account is "
                               "approved; you do not need to sign in again."), id="detail")
            yield Button("Sign out", id="sign-out")
        yield Footer()

    @on(Button.Pressed, "#sign-out")
    def _sign_out(self) -> None:
        app: WorkshopApp = self.app  # type: ignore[assignment]
        app.request_sign_out()
