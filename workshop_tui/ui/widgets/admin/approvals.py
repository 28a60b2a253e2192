"""The approvals queue: registrations waiting, live, and approving them from the keyboard.

New registrations appear as they arrive (the queue's event feed, not a timer); an approval or a
rejection anywhere removes the row. `a` approves the highlighted account as a student with the class
defaults, Enter opens the dialog to choose, Space marks rows and `A` approves every marked row with
the defaults, `r` rejects with a reason the attendee reads. A second approver who was too late is
told who got there first (the service says "already approved by ada").
"""

from __future__ import annotations

import time

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from workshop_tui.domain.account_fields import NOTES_MAX
from workshop_tui.domain.enums import Role
from workshop_tui.domain.errors import Forbidden, NotAuthenticated, ServiceError
from workshop_tui.domain.models import User
from workshop_tui.services.approvals import ApprovalChoices
from workshop_tui.ui.screens.modals.approve import ApprovalModal
from workshop_tui.ui.screens.modals.text_entry import TextEntryModal
from workshop_tui.ui.text import cell, plain, say
from workshop_tui.ui.widgets.admin.base import AdminPane, css_beside, highlighted_key, when
from workshop_tui.ui.widgets.tables import rows_table

MAX_ROWS = 200  # the service's page; a queue longer than that shows its oldest first
RELOAD_S = 20.0  # with no event, read the queue again this often (another process sends none)
MARK = "●"
DEFAULTS_TTL_S = 10.0  # approving many at once reads the class defaults again at most this often


class ApprovalsPane(AdminPane):
    DEFAULT_CSS = css_beside(__file__)
    BINDINGS = [
        Binding("a", "approve_defaults", "Approve", id="approvals.defaults",
                tooltip="Approve the highlighted account as a student with the class defaults"),
        Binding("space", "mark", "Mark", id="approvals.mark", tooltip="Mark or unmark the highlighted row"),
        Binding("asterisk", "mark_all", "Mark all", id="approvals.mark_all", tooltip="Mark every row, or none"),
        Binding("A", "approve_marked", "Approve marked", id="approvals.marked",
                tooltip="Approve every marked account as a student with the class defaults"),
        Binding("r", "reject", "Reject", id="approvals.reject", tooltip="Reject with a reason the attendee reads"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.users: dict[str, User] = {}
        self.marked: set[str] = set()
        self.total = 0
        self._defaults: tuple[float, ApprovalChoices] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="approvals-summary")
        yield rows_table("approvals-table", ("", "mark", 1), "Username", "Name", "Email", "Registered", "From")
        yield Static(plain("a approve (class defaults) · Enter choose · Space mark · A approve marked · r reject"),
                     id="approvals-keys")

    def load(self) -> None:
        self._watch()

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#approvals-table", DataTable)

    # -- the live queue --------------------------------------------------------------------------

    @work(group="approvals-watch", exclusive=True, exit_on_error=False)
    async def _watch(self) -> None:
        app, actor = self.workshop_app, self.actor
        approvals = app.services.approvals
        try:
            async with approvals.subscribe_queue(actor) as feed:
                while True:
                    page = await app.call(approvals.list_pending(actor, limit=MAX_ROWS))
                    self.show(page.items, page.total)
                    try:
                        await feed.wait(timeout=RELOAD_S)
                    except TimeoutError:
                        pass
        except NotAuthenticated as exc:
            app.request_sign_out(str(exc))
        except (Forbidden, ServiceError) as exc:
            self._summary(f"The queue stopped: {exc}")

    def show(self, users: list[User], total: int) -> None:
        """Bring the table in line with the queue, keeping the cursor and the marks."""
        table = self.table
        wanted = {str(u.id): u for u in users}
        for key in [k for k in self.users if k not in wanted]:
            table.remove_row(key)
            self.marked.discard(key)
        for key, user in wanted.items():
            if key not in self.users:
                table.add_row(*self._cells(user, key), key=key)
        self.users = wanted
        self.total = total
        self._summarize()

    def _cells(self, user: User, key: str) -> list[object]:
        return [cell(value) for value in (MARK if key in self.marked else " ", user.username, user.display_name,
                                          user.email or "—", when(user.created_at),
                                          user.registered_from or "this machine")]

    def _summarize(self) -> None:
        total = self.total
        shown = f"{total} waiting for approval" if total else "Nobody is waiting for approval."
        if total > len(self.users):
            shown += f" (the oldest {len(self.users)} shown)"
        self._summary(shown + (f" · {len(self.marked)} marked" if self.marked else ""))

    def _summary(self, text: str) -> None:
        self.query_one("#approvals-summary", Static).update(plain(text))

    def _forget(self, key: str) -> None:
        """Drop a decided row at once (the queue's event confirms it a moment later)."""
        if key in self.users:
            self.table.remove_row(key)
            del self.users[key]
            self.marked.discard(key)
            self.total = max(0, self.total - 1)
            self._summarize()

    # -- marking ---------------------------------------------------------------------------------

    def action_mark(self) -> None:
        key = highlighted_key(self.table)
        if key is None:
            return
        self.marked.symmetric_difference_update({key})
        self.table.update_cell(key, "mark", cell(MARK if key in self.marked else " "))
        if self.table.cursor_row < self.table.row_count - 1:
            self.table.move_cursor(row=self.table.cursor_row + 1)
        self._summarize()

    def action_mark_all(self) -> None:
        everything = set(self.users)
        self.marked = set() if self.marked == everything else everything
        for key in self.users:
            self.table.update_cell(key, "mark", cell(MARK if key in self.marked else " "))
        self._summarize()

    # -- deciding --------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#approvals-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self._approve_with_dialog(event.row_key.value)

    @work(group="approvals-decide", exclusive=True, exit_on_error=False)
    async def _approve_with_dialog(self, key: str) -> None:
        user = self.users.get(key)
        app = self.workshop_app
        choices = await app.guarded(app.services.approvals.choices(self.actor), "Approving")
        if user is None or choices is None:
            return
        actor = self.actor

        async def submit(form: ApprovalModal.Form) -> User:
            return await app.call(app.services.approvals.approve(
                actor, user.id, form.role, form.model_ids, form.tool_ids, form.notes or None,
                guardian_id=form.guardian_id))

        approved = await app.push_screen_wait(ApprovalModal(user, choices, submit))
        if approved is not None:
            self._forget(key)
            say(app, f"Approved {approved.username} as a {approved.role}.", timeout=4)

    def action_approve_defaults(self) -> None:
        key = highlighted_key(self.table)
        if key is not None:
            self._approve_defaults([key])

    def action_approve_marked(self) -> None:
        keys = [k for k in self.users if k in self.marked]
        if not keys:
            say(self.app, "Mark rows with Space first (or * for all).", severity="warning")
            return
        self._approve_defaults(keys)

    async def _class_defaults(self) -> ApprovalChoices | None:
        """The approval choices, read again once they are `DEFAULTS_TTL_S` old."""
        now = time.monotonic()
        if self._defaults is None or now - self._defaults[0] > DEFAULTS_TTL_S:
            app = self.workshop_app
            choices = await app.guarded(app.services.approvals.choices(self.actor), "Approving")
            if choices is None:
                return None
            self._defaults = (now, choices)
        return self._defaults[1]

    @work(group="approvals-decide", exclusive=True, exit_on_error=False)
    async def _approve_defaults(self, keys: list[str]) -> None:
        app = self.workshop_app
        choices = await self._class_defaults()
        if choices is None:
            return
        approved: list[str] = []
        for key in keys:
            user = self.users.get(key)
            if user is None:
                continue
            done = await app.guarded(app.services.approvals.approve(
                self.actor, user.id, Role.STUDENT, choices.default_model_ids, choices.default_tool_ids),
                f"Approving {user.username}")
            if done is not None:
                self._forget(key)
                approved.append(done.username)
        if approved:
            grants = f"{len(choices.default_model_ids)} model(s), {len(choices.default_tool_ids)} tool(s)"
            names = ", ".join(approved[:5]) + (f" and {len(approved) - 5} more" if len(approved) > 5 else "")
            say(app, f"Approved {names} as student with the class defaults ({grants}).", timeout=5)

    @work(group="approvals-decide", exclusive=True, exit_on_error=False)
    async def action_reject(self) -> None:
        key = highlighted_key(self.table)
        user = self.users.get(key or "")
        if user is None:
            return
        reason = await self.app.push_screen_wait(TextEntryModal(
            f"Why is {user.username}'s registration rejected? They read this when they sign in.", max_length=NOTES_MAX))
        if not reason:
            return
        app = self.workshop_app
        if await app.guarded(app.services.approvals.reject(self.actor, user.id, reason), "Rejecting") is not None:
            self._forget(str(user.id))
            say(app, f"Rejected {user.username}.", timeout=4)
