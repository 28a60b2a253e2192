"""One account, for whoever manages it: role and status, grants and quotas, a password reset that
shows the generated password once, and the account's sessions now.

Every change goes through the services, which check the hierarchy again; a refusal shows beside
the field it names. The other person's open session follows each change at once (their account
watch hears the event)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Invalid, NotAuthenticated, ServiceError
from workshop_tui.domain.models import User
from workshop_tui.services.approvals import ApprovalChoices
from workshop_tui.ui.forms import clear_problems, show_problem
from workshop_tui.ui.screens.modals.confirm import ConfirmModal
from workshop_tui.ui.screens.modals.reading import ReadingModal
from workshop_tui.ui.screens.modals.text_entry import TextEntryModal
from workshop_tui.ui.text import plain, say
from workshop_tui.ui.widgets.admin.base import when
from workshop_tui.ui.widgets.grant_lists import GrantLists
from workshop_tui.ui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from workshop_tui.ui.app import WorkshopApp

QUOTAS = (("messages_per_day", "Messages a day"), ("tokens_per_day", "Tokens a day"),
          ("concurrent_generations", "Replies at once"))
FIELDS = {name: f"#{name}-problem" for name, _ in QUOTAS} | {"guardian": "#role-problem", "role": "#role-problem"}


class UserDetailScreen(Screen[None]):
    CSS_PATH = "user_detail.tcss"
    BINDINGS = [Binding("escape", "back", "Back", id="user.back", tooltip="Back to the list"),
                Binding("w", "what_can_they_see", "What can they see", id="user.access",
                        tooltip="Every model, tool and resource this account may use, and why")]

    def __init__(self, user_id: int) -> None:
        super().__init__(name="user")
        self.user_id = user_id
        self.user: User | None = None
        self.choices: ApprovalChoices | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("Admin › Account")
        with Horizontal(id="detail"):
            with VerticalScroll(id="left"):
                yield Static("", id="user-title")
                yield Static("", id="user-facts")
                yield Label("Role")
                with Horizontal(classes="row"):
                    yield Select([], id="role", prompt="role", compact=True)
                    yield Select([], id="guardian", prompt="guardian", compact=True)
                    yield Button("Change", id="apply-role", compact=True)
                yield Static("", id="role-problem", classes="problem")
                yield Label("Status")
                with Horizontal(classes="row"):
                    yield Button("Suspend", id="suspend", compact=True, variant="error")
                    yield Button("Reactivate", id="reactivate", compact=True)
                    yield Button("Reset password", id="reset", compact=True)
                yield Label("Quotas (empty: the role's default)")
                for name, label in QUOTAS:
                    with Horizontal(classes="row"):
                        yield Static(plain(label), classes="quota-label")
                        yield Input(id=name, type="integer", placeholder="role default", compact=True)
                    yield Static("", id=f"{name}-problem", classes="problem")
                yield Button("Save quotas", id="save-quotas", compact=True)
                yield Static("", id="problem", classes="problem")
            with Vertical(id="right"):
                yield GrantLists()
                yield Label("Sessions now")
                yield Static("", id="sessions")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @property
    def workshop_app(self) -> WorkshopApp:
        return self.app  # type: ignore[return-value]

    @work(group="user-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        app = self.workshop_app
        services, actor = app.services, app.actor
        user = await app.guarded(services.accounts.get_user(actor, self.user_id), "Opening the account")
        if user is None:
            self.dismiss(None)
            return
        self.user = user
        self.choices = self.choices or await app.guarded(services.approvals.choices(actor))
        grants = await app.guarded(services.accounts.grants(actor, self.user_id)) or ([], [])
        sessions = await app.guarded(services.activity.sessions_of(actor, self.user_id)) or []
        self._show(user, grants)
        self.query_one("#sessions", Static).update(plain("\n".join(
            f"{p.place} · from {p.source or 'this machine'} · since {when(p.since)}" for p in sessions)
            or "Not signed in now."))

    def _show(self, user: User, grants: tuple[list[str], list[str]]) -> None:
        self.query_one("#user-title", Static).update(plain(f"{user.display_name} ({user.username})"))
        approved = f" · approved {when(user.approved_at)}" if user.approved_at else ""
        reason = f" · {user.status_reason}" if user.status_reason else ""
        self.query_one("#user-facts", Static).update(plain(
            f"{user.role} · {user.status}{reason}\nregistered {when(user.created_at)} from "
            f"{user.registered_from or 'this machine'}{approved} · last sign-in {when(user.last_login_at)}"
            + (f"\nemail {user.email}" if user.email else "")))
        choices = self.choices
        roles = list(choices.roles) if choices else [user.role]
        role = self.query_one("#role", Select)
        role.set_options([(r.value, r) for r in roles])
        if user.role in roles:
            role.value = user.role
        guardian = self.query_one("#guardian", Select)
        guardian.set_options([(plain(g.username), g.id) for g in (choices.guardians if choices else [])
                              if g.id != user.id])
        if choices is not None and user.guardian_id in {g.id for g in choices.guardians}:
            guardian.value = user.guardian_id
        self._guardian_shown()
        self.query_one("#suspend").display = user.status is AccountStatus.ACTIVE
        self.query_one("#reactivate").display = user.status is AccountStatus.SUSPENDED
        for name, _ in QUOTAS:
            value = getattr(user, f"quota_{name}")
            self.query_one(f"#{name}", Input).value = "" if value is None else str(value)
        if choices is not None:
            self.query_one(GrantLists).show(choices.models, choices.tools, set(grants[0]), set(grants[1]))

    @on(Select.Changed, "#role")
    def _guardian_shown(self) -> None:
        self.query_one("#guardian").display = self.query_one("#role", Select).value is Role.FAMILY

    # -- changes -----------------------------------------------------------------------------------

    @on(Button.Pressed, "#apply-role")
    @work(group="user-change", exclusive=True, exit_on_error=False)
    async def _apply_role(self) -> None:
        role, guardian = self.query_one("#role", Select).value, self.query_one("#guardian", Select).value
        if role is Select.NULL:
            return
        guardian_id = int(str(guardian)) if role is Role.FAMILY and guardian is not Select.NULL else None
        await self._change(self.workshop_app.services.accounts.set_role(
            self.workshop_app.actor, self.user_id, Role(str(role)), guardian_id=guardian_id), "Role changed.")

    @on(Button.Pressed, "#suspend")
    @work(group="user-change", exclusive=True, exit_on_error=False)
    async def _suspend(self) -> None:
        reason = await self.app.push_screen_wait(TextEntryModal(
            "Why is this account suspended? Its owner reads this when signing in."))
        if reason:
            await self._change(self.workshop_app.services.accounts.suspend(
                self.workshop_app.actor, self.user_id, reason=reason), "Suspended; their sessions end.")

    @on(Button.Pressed, "#reactivate")
    @work(group="user-change", exclusive=True, exit_on_error=False)
    async def _reactivate(self) -> None:
        await self._change(self.workshop_app.services.accounts.reactivate(self.workshop_app.actor, self.user_id),
                           "Reactivated.")

    @on(Button.Pressed, "#save-quotas")
    @work(group="user-change", exclusive=True, exit_on_error=False)
    async def _save_quotas(self) -> None:
        quotas: dict[str, int | None] = {}
        for name, _ in QUOTAS:
            text = self.query_one(f"#{name}", Input).value.strip()
            try:
                quotas[name] = int(text) if text else None
            except ValueError:
                show_problem(self, Invalid("must be empty or a whole number", field=name), FIELDS)
                return
        await self._change(self.workshop_app.services.accounts.set_quota(
            self.workshop_app.actor, self.user_id, **quotas), "Quotas saved.")

    @on(GrantLists.Saved)
    @work(group="user-change", exclusive=True, exit_on_error=False)
    async def _save_grants(self, event: GrantLists.Saved) -> None:
        await self._change(self.workshop_app.services.accounts.set_grants(
            self.workshop_app.actor, self.user_id, model_ids=event.model_ids, tool_ids=event.tool_ids),
            "Grants saved; they apply to the account's next request.")

    async def _change(self, work_: Awaitable[object], done: str) -> None:
        clear_problems(self, FIELDS)
        try:
            await self.workshop_app.call(work_)
        except NotAuthenticated as exc:
            self.workshop_app.request_sign_out(str(exc))
            return
        except ServiceError as exc:
            show_problem(self, exc, FIELDS)
            return
        say(self.app, done, timeout=4)
        self._load()

    @on(Button.Pressed, "#reset")
    @work(group="user-change", exclusive=True, exit_on_error=False)
    async def _reset(self) -> None:
        name = self.user.username if self.user else "this account"
        if not await self.app.push_screen_wait(ConfirmModal(
                f"Give {name} a new generated password? Their open sessions end.", confirm="Reset")):
            return
        app = self.workshop_app
        password = await app.guarded(app.services.accounts.reset_password_generated(app.actor, self.user_id),
                                     "Resetting the password")
        if password is not None:
            await self.app.push_screen_wait(ReadingModal(
                f"New password for {name}", password.get_secret_value(), copy_label="Copy password",
                detail="Shown this once: pass it on now. Only its hash is kept."))

    def action_what_can_they_see(self) -> None:
        from workshop_tui.ui.screens.access_view import AccessViewScreen

        self.app.push_screen(AccessViewScreen(self.user_id))

    def action_back(self) -> None:
        self.dismiss(None)
