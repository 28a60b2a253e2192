"""Signing in: username and password, with the reason shown in place when it is refused.

The entry point of every session. A throttled attempt shows how long to wait, a rejected or
suspended account reads the reason staff gave, and a session that was signed out shows why. From
here a newcomer opens the registration form, or, on an empty database where settings allow it,
creates the first account (the super_admin).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from workshop_tui.domain.errors import LimitExceeded, NotAuthenticated, ServiceError
from workshop_tui.ui.text import plain

if TYPE_CHECKING:
    from workshop_tui.ui.app import WorkshopApp


class SignInScreen(Screen[None]):
    AUTO_FOCUS = "#username"
    BINDINGS = [Binding("ctrl+r", "register", "Register", id="register", tooltip="Create a new account")]

    def __init__(self) -> None:
        super().__init__(name="sign-in")

    @property
    def workshop_app(self) -> WorkshopApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="card"):
            yield Static("workshop-tui", id="brand")
            banner = self.workshop_app.session.banner
            if banner:
                yield Static(plain(banner), id="banner")
            yield Label("Username", classes="field-label")
            yield Input(value=self.workshop_app.session.username or "", placeholder="your username",
                        id="username", max_length=64, compact=True)
            yield Label("Password", classes="field-label")
            yield Input(placeholder="your password", password=True, id="password", max_length=4096, compact=True)
            yield Static("", id="message")
            with Horizontal(id="actions"):
                yield Button("Sign in", id="sign-in", variant="primary")
                yield Button("Register", id="register")
            yield Static("", id="first-run")
        yield Footer()

    def on_mount(self) -> None:
        if self.workshop_app.session.username:
            self.query_one("#password", Input).focus()
        self._offer_first_run()

    def show_message(self, text: str, *, error: bool = True) -> None:
        message = self.query_one("#message", Static)
        message.update(plain(text))
        message.set_class(error, "error")

    def reset(self, reason: str | None = None) -> None:
        """Back to an empty form after a sign-out, with the reason when there is one."""
        self.query_one("#username", Input).value = self.workshop_app.session.username or ""
        self.query_one("#password", Input).value = ""
        self.show_message(reason or "", error=bool(reason))
        self.query_one("#username", Input).focus()
        self._offer_first_run()

    @on(Input.Submitted, "#username")
    def _next_field(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#sign-in")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self.show_message("Enter your username.")
            self.query_one("#username", Input).focus()
            return
        if not password:
            self.show_message("Enter your password.")
            self.query_one("#password", Input).focus()
            return
        self.show_message("Signing in…", error=False)
        self._sign_in(username, password)

    @work(group="sign-in", exclusive=True, exit_on_error=False)
    async def _sign_in(self, username: str, password: str) -> None:
        app = self.workshop_app
        try:
            services = await app.ready()
            actor = await app.call(services.accounts.login(username, password, source=app.session.source,
                                                           allow_waiting=True))
        except (NotAuthenticated, LimitExceeded) as exc:
            self.query_one("#password", Input).value = ""
            self.show_message(_sentence(str(exc)))
            return
        except ServiceError as exc:
            self.show_message(_sentence(str(exc)))
            return
        self.query_one("#password", Input).value = ""
        self.show_message("")
        await app.sign_in(actor)

    @on(Button.Pressed, "#register")
    def action_register(self) -> None:
        self.workshop_app.open_registration()

    @work(group="first-run", exclusive=True, exit_on_error=False)
    async def _offer_first_run(self) -> None:
        try:
            services = await self.workshop_app.ready()
            open_ = await self.workshop_app.call(services.accounts.first_run_open())
        except ServiceError:
            return
        note = self.query_one("#first-run", Static)
        if open_:
            note.update(plain("No accounts yet: register the first one, which becomes the super_admin."))
            self.query_one("#register", Button).label = "Create the first account"
        note.display = open_


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", ")")) else ".")
