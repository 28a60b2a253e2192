"""Class broadcast: one line from staff that appears in every open session of the class now, and
in sessions opened later the same (UTC) day."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from workshop_tui.domain.errors import NotAuthenticated, ServiceError
from workshop_tui.domain.models import Broadcast
from workshop_tui.services.broadcasts import MESSAGE_MAX
from workshop_tui.ui.forms import clear_problems, show_problem
from workshop_tui.ui.text import plain
from workshop_tui.ui.widgets.admin.base import AdminPane, css_beside

FIELDS = {"message": "#broadcast-problem"}


class BroadcastPane(AdminPane):
    DEFAULT_CSS = css_beside(__file__)

    def compose(self) -> ComposeResult:
        yield Static(plain("A message to every open session of the class, such as “break until 11:00”. "
                           f"One line, at most {MESSAGE_MAX} characters. Sessions opened later today show it too."),
                     id="broadcast-help")
        with Horizontal(id="broadcast-row"):
            yield Input(placeholder="the message", id="broadcast-text", max_length=MESSAGE_MAX)
            yield Button("Send", id="broadcast-send", variant="primary")
        yield Static("", id="broadcast-problem")
        yield Static("Sent today", id="broadcast-heading")
        yield Static("", id="broadcast-today")

    def load(self) -> None:
        self._today()

    def reshown(self) -> None:
        self._today()

    def focus_first(self) -> None:
        self.query_one("#broadcast-text").focus()

    @work(group="broadcast-today", exclusive=True, exit_on_error=False)
    async def _today(self) -> None:
        app = self.workshop_app
        sent = await app.guarded(app.services.broadcasts.today(self.actor))
        if sent is not None:
            self.show(sent)

    def show(self, sent: list[Broadcast]) -> None:
        lines = [f"{b.at:%H:%M} UTC · {b.author_name}: {b.text}" for b in reversed(sent)]
        self.query_one("#broadcast-today", Static).update(plain("\n".join(lines) or "Nothing yet today."))

    @on(Input.Submitted, "#broadcast-text")
    @on(Button.Pressed, "#broadcast-send")
    def _send_pressed(self) -> None:
        self._send(self.query_one("#broadcast-text", Input).value)

    @work(group="broadcast-send", exclusive=True, exit_on_error=False)
    async def _send(self, text: str) -> None:
        app = self.workshop_app
        clear_problems(self, FIELDS, "#broadcast-problem")
        try:
            sent = await app.call(app.services.broadcasts.send(self.actor, text))
        except NotAuthenticated as exc:
            app.request_sign_out(str(exc))
            return
        except ServiceError as exc:
            show_problem(self, exc, FIELDS, "#broadcast-problem")
            return
        self.query_one("#broadcast-text", Input).value = ""
        self.query_one("#broadcast-problem", Static).update(plain(f"Sent at {sent.at:%H:%M} UTC."))
        self._today()
