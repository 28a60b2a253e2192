"""Registering: username, display name, optional email and the password twice, with the rules shown
and each field checked as it is typed, by the same rules the account service enforces.

A new account waits for approval; this screen signs it in to the pending screen, which moves on by
itself once an instructor approves it. On an empty database where settings allow it, the same form
creates the first account, the super_admin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from workshop_tui.domain.account_fields import (
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    USERNAME_MAX,
    USERNAME_MIN,
    check_display_name,
    check_email,
    check_username,
)
from workshop_tui.domain.errors import Invalid, ServiceError
from workshop_tui.ui.text import plain

if TYPE_CHECKING:
    from workshop_tui.ui.app import WorkshopApp

FIELDS = ("username", "display_name", "email", "password", "password_again")
HINTS = {
    "username": f"{USERNAME_MIN}–{USERNAME_MAX} characters: a–z, 0–9, dot, dash, underscore; starts with a "
                "letter or digit",
    "display_name": "how others see you; your username if empty",
    "email": "for the organisers only",
    "password_again": "the same password once more",
}


class RegisterScreen(Screen[None]):
    CSS_PATH = "register.tcss"
    AUTO_FOCUS = "#username"
    BINDINGS = [Binding("escape", "back", "Back to sign-in", id="back")]

    def __init__(self) -> None:
        super().__init__(name="register")
        self._lengths = (10, 256)  # the password rules until the settings are known
        self._hints = dict(HINTS)

    @property
    def workshop_app(self) -> WorkshopApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card"):
            yield Static("Create an account", id="title")
            yield Static("", id="intro")
            yield from self._field("username", "Username", USERNAME_MAX)
            yield from self._field("display_name", "Display name", DISPLAY_NAME_MAX)
            yield from self._field("email", "Email (optional)", EMAIL_MAX)
            yield from self._field("password", "Password", 4096, password=True)
            yield from self._field("password_again", "Password again", 4096, password=True)
            yield Static("", id="message")
            with Horizontal(id="actions"):
                yield Button("Register", id="submit", variant="primary")
                yield Button("Back", id="back")
        yield Footer()

    def on_mount(self) -> None:
        session = self.workshop_app.session
        if session.register and session.username:  # an SSH login under a free name: start with it
            self.query_one("#username", Input).value = session.username
            self.query_one("#display_name", Input).focus()
        self._load_rules()

    @work(group="register-rules", exclusive=True, exit_on_error=False)
    async def _load_rules(self) -> None:
        services = await self.workshop_app.ready()
        auth = services.settings.auth
        self._lengths = (auth.password_min_length, auth.password_max_length)
        self._hints["password"] = f"{self._lengths[0]}–{self._lengths[1]} characters; a few words make a good one"
        hint = self.query_one("#hint-password", Static)
        if not hint.has_class("problem"):
            hint.update(plain(self._hints["password"]))
        first = await self.workshop_app.call(services.accounts.first_run_open())
        self.query_one("#intro", Static).update(plain(
            "This first account becomes the super_admin, who runs the workshop." if first else
            "An instructor or admin approves new accounts; this screen waits for them and moves on by itself."))
        if first:
            self.query_one("#title", Static).update(plain("Create the first account"))

    def problem(self, field: str) -> str | None:
        """What is wrong with one field as typed, or None."""
        value = self.query_one(f"#{field}", Input).value
        try:
            if field == "username":
                check_username(value)
            elif field == "display_name":
                check_display_name(value, "")
            elif field == "email":
                check_email(value)
            elif field == "password":
                low, high = self._lengths
                if not low <= len(value) <= high:
                    return f"must be {low} to {high} characters (it has {len(value)})"
            elif field == "password_again" and value != self.query_one("#password", Input).value:
                return "does not match the password"
        except Invalid as exc:
            return str(exc).removeprefix(f"{exc.field}: ") if exc.field else str(exc)
        return None

    def _show(self, field: str, problem: str | None) -> None:
        """A problem takes the place of the field's hint until it is fixed."""
        hint = self.query_one(f"#hint-{field}", Static)
        hint.update(plain(problem or self._hints.get(field, "")))
        hint.set_class(problem is not None, "problem")
        self.query_one(f"#{field}", Input).set_class(problem is not None, "invalid")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        field = event.input.id or ""
        if field in FIELDS and event.value:
            self._show(field, self.problem(field))
            if field == "password" and self.query_one("#password_again", Input).value:
                self._show("password_again", self.problem("password_again"))

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        field = event.input.id or ""
        if field == "password_again":
            self._submit()
        elif field in FIELDS:
            self.query_one(f"#{FIELDS[FIELDS.index(field) + 1]}", Input).focus()

    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        problems = {field: self.problem(field) for field in FIELDS}
        for field, problem in problems.items():
            self._show(field, problem)
        if not self.query_one("#username", Input).value:
            self._show("username", "is required")
            problems["username"] = "is required"
        first_bad = next((field for field, problem in problems.items() if problem), None)
        if first_bad is not None:
            self.query_one(f"#{first_bad}", Input).focus()
            self._message("Check the fields marked in red.")
            return
        self._message("Registering…", error=False)
        self._register(*(self.query_one(f"#{field}", Input).value for field in FIELDS[:4]))

    @work(group="register", exclusive=True, exit_on_error=False)
    async def _register(self, username: str, display_name: str, email: str, password: str) -> None:
        app = self.workshop_app
        try:
            services = await app.ready()
            await app.call(services.accounts.register(username, display_name, password, email or None,
                                                      source=app.session.source))
            actor = await app.call(services.accounts.login(username, password, source=app.session.source,
                                                           allow_waiting=True))
        except Invalid as exc:
            if exc.field in FIELDS:
                self._show(exc.field, str(exc).removeprefix(f"{exc.field}: "))
                self.query_one(f"#{exc.field}", Input).focus()
            self._message(str(exc))
            return
        except ServiceError as exc:
            self._message(str(exc))
            return
        for field in ("password", "password_again"):
            self.query_one(f"#{field}", Input).value = ""
        await app.sign_in(actor)

    def _message(self, text: str, *, error: bool = True) -> None:
        message = self.query_one("#message", Static)
        message.update(plain(text))
        message.set_class(error, "error")

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss()

    def _field(self, name: str, label: str, max_length: int, *, password: bool = False) -> ComposeResult:
        yield Label(label, classes="field-label")
        yield Input(id=name, password=password, max_length=max_length, compact=True)
        yield Static(plain(self._hints.get(name, "")), id=f"hint-{name}", classes="hint")

