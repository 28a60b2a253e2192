"""Approve one registration: the role (only those the approver may give), the models and tools
(the class defaults ticked), a guardian for a family account, and notes for staff.

The dialog sends the approval itself, so a refusal shows beside the field it is about (a missing
guardian under the guardian) and a second approver who was too late reads who was first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from workshop_tui.domain.account_fields import NOTES_MAX
from workshop_tui.domain.enums import Role
from workshop_tui.domain.errors import ServiceError
from workshop_tui.domain.models import User
from workshop_tui.services.approvals import ApprovalChoices
from workshop_tui.ui.forms import clear_problems, show_problem
from workshop_tui.ui.text import plain

FIELDS = {"guardian": "#guardian-problem", "notes": "#notes-problem"}


class ApprovalModal(ModalScreen[User | None]):
    CSS_PATH = "approve.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel"),
                Binding("ctrl+s", "approve", "Approve", id="approve", tooltip="Approve with these choices")]

    @dataclass(frozen=True)
    class Form:
        role: Role
        model_ids: tuple[int, ...]
        tool_ids: tuple[int, ...]
        guardian_id: int | None
        notes: str

    def __init__(self, user: User, choices: ApprovalChoices, submit: Callable[[Form], Awaitable[User]]) -> None:
        super().__init__()
        self.user = user
        self.choices = choices
        self._submit = submit

    def compose(self) -> ComposeResult:
        choices = self.choices
        role = Role.STUDENT if Role.STUDENT in choices.roles else choices.roles[0]
        with VerticalScroll(id="dialog"):
            yield Static(plain(f"Approve {self.user.username} ({self.user.display_name})"), id="title")
            yield Label("Role")
            yield Select([(plain(r.value), r) for r in choices.roles], value=role, allow_blank=False, id="role",
                         compact=True)
            with VerticalScroll(id="guardian-box"):
                yield Label("Guardian (a family account needs one)")
                yield Select([(plain(f"{g.username} ({g.display_name})"), g.id) for g in choices.guardians],
                             prompt="choose the guardian", id="guardian", compact=True)
                yield Static("", id="guardian-problem", classes="problem")
            yield Label("Models (the class defaults are ticked)")
            if choices.models:
                yield SelectionList[int](*[(plain(m.name), m.id, m.id in choices.default_model_ids)
                                           for m in choices.models], id="models", compact=True)
            else:
                yield Static("No models in the catalogue yet.", classes="muted")
            yield Label("Tools")
            if choices.tools:
                yield SelectionList[int](*[(plain(f"{t.name} — {t.description or t.kind}"), t.id,
                                            t.id in choices.default_tool_ids) for t in choices.tools], id="tools",
                                          compact=True)
            else:
                yield Static("No tools you may grant.", classes="muted")
            yield Label("Notes (staff read them; the attendee does not)")
            yield Input(placeholder="optional", max_length=NOTES_MAX, id="notes", compact=True)
            yield Static("", id="notes-problem", classes="problem")
            yield Static("", id="problem", classes="problem")
            with Horizontal(id="buttons"):
                yield Button("Approve", id="approve", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._guardian_shown(self.query_one("#role", Select).value is Role.FAMILY)
        self.query_one("#role", Select).focus()

    @on(Select.Changed, "#role")
    def _role_changed(self, event: Select.Changed) -> None:
        self._guardian_shown(event.value is Role.FAMILY)

    def _guardian_shown(self, shown: bool) -> None:
        self.query_one("#guardian-box").display = shown

    def form(self) -> Form:
        role = self.query_one("#role", Select).value
        guardian = self.query_one("#guardian", Select).value
        return self.Form(
            role=Role(str(role)),
            model_ids=tuple(self.query_one("#models", SelectionList).selected) if self.query("#models") else (),
            tool_ids=tuple(self.query_one("#tools", SelectionList).selected) if self.query("#tools") else (),
            guardian_id=int(str(guardian)) if role is Role.FAMILY and guardian is not Select.NULL else None,
            notes=self.query_one("#notes", Input).value.strip())

    @on(Button.Pressed, "#approve")
    def action_approve(self) -> None:
        form = self.form()
        clear_problems(self, FIELDS)
        if form.role is Role.FAMILY and form.guardian_id is None:
            self.query_one("#guardian-problem", Static).update("Choose the guardian of this family account.")
            return
        self._send(form)

    @work(group="approve-send", exclusive=True, exit_on_error=False)
    async def _send(self, form: Form) -> None:
        button = self.query_one("#approve", Button)
        button.disabled = True
        try:
            approved = await self._submit(form)
        except ServiceError as exc:
            show_problem(self, exc, FIELDS)
            button.disabled = False
            return
        self.dismiss(approved)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
