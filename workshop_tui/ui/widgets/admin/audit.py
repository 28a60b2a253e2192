"""The audit log (admins): who did what to whom, filtered by actor, action, target and time range,
with each change's before and after shown as text under the list (Enter shows it whole)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from workshop_tui.domain.errors import Invalid, NotAuthenticated, ServiceError
from workshop_tui.domain.models import AuditEntry
from workshop_tui.services.audit_log import AuditQuery
from workshop_tui.ui.forms import show_problem
from workshop_tui.ui.screens.modals.reading import ReadingModal
from workshop_tui.ui.text import cell, plain
from workshop_tui.ui.widgets.admin.base import AdminPane, css_beside, highlighted_key, when
from workshop_tui.ui.widgets.tables import rows_table

PAGE = 200
FIELDS = {"since": "#audit-problem", "until": "#audit-problem"}


def show_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def change_lines(entry: AuditEntry) -> list[str]:
    """'role: student → guest', one line per field the record changed."""
    before, after = entry.before or {}, entry.after or {}
    return [f"{key}: {show_value(before.get(key))} → {show_value(after.get(key))}"
            if key in before else f"{key}: {show_value(after.get(key))}" for key in sorted(set(before) | set(after))]


def parse_day(text: str, field: str) -> datetime | None:
    """A YYYY-MM-DD day as its first moment (UTC), or None when empty."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise Invalid("write the day as YYYY-MM-DD", field=field) from None


class AuditPane(AdminPane):
    DEFAULT_CSS = css_beside(__file__)
    BINDINGS = [Binding("right_square_bracket", "page(1)", "Older", id="audit.older", tooltip="The next page"),
                Binding("left_square_bracket", "page(-1)", "Newer", id="audit.newer", tooltip="The previous page")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: dict[str, AuditEntry] = {}
        self.page_offset = 0

    def compose(self) -> ComposeResult:
        with Horizontal(id="audit-filters"):
            yield Input(placeholder="actor", id="audit-actor", compact=True, max_length=64)
            yield Select([], prompt="every action", id="audit-action", compact=True)
            yield Input(placeholder="target", id="audit-target", compact=True, max_length=200)
            yield Input(placeholder="from YYYY-MM-DD", id="audit-since", compact=True, max_length=10)
            yield Input(placeholder="to YYYY-MM-DD", id="audit-until", compact=True, max_length=10)
        yield Static("", id="audit-problem")
        yield rows_table("audit-table", "When (UTC)", "Actor", "Action", "Target")
        yield Static("", id="audit-change")
        yield Static("", id="audit-summary")

    def load(self) -> None:
        self._actions()
        self._search()

    def reshown(self) -> None:
        self._search()

    def focus_first(self) -> None:
        self.query_one("#audit-table").focus()

    @work(group="audit-actions", exclusive=True, exit_on_error=False)
    async def _actions(self) -> None:
        app = self.workshop_app
        actions = await app.guarded(app.services.audit.actions(self.actor))
        if actions:
            self.query_one("#audit-action", Select).set_options([(a, a) for a in actions])

    @on(Input.Submitted)
    @on(Select.Changed, "#audit-action")
    def _filters_changed(self) -> None:
        self.page_offset = 0
        self._search()

    def action_page(self, step: int) -> None:
        self.page_offset = max(0, self.page_offset + step * PAGE)
        self._search()

    def audit_query(self) -> AuditQuery:
        action = self.query_one("#audit-action", Select).value
        until = parse_day(self.query_one("#audit-until", Input).value, "until")
        return AuditQuery(actor=self.query_one("#audit-actor", Input).value,
                          action=None if action is Select.NULL else str(action),
                          target=self.query_one("#audit-target", Input).value,
                          since=parse_day(self.query_one("#audit-since", Input).value, "since"),
                          until=until + timedelta(days=1) if until else None)

    @work(group="audit-search", exclusive=True, exit_on_error=False)
    async def _search(self) -> None:
        app = self.workshop_app
        self.query_one("#audit-problem", Static).update("")
        try:
            page = await app.call(app.services.audit.search(self.actor, self.audit_query(), offset=self.page_offset,
                                                            limit=PAGE))
        except NotAuthenticated as exc:
            app.request_sign_out(str(exc))
            return
        except ServiceError as exc:
            show_problem(self, exc, FIELDS, "#audit-problem")
            return
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        self.entries = {str(e.id): e for e in page.entries}
        for key, entry in self.entries.items():
            table.add_row(*map(cell, (when(entry.at, "%Y-%m-%d %H:%M"), entry.actor_name, entry.action,
                                      entry.target_name or entry.target_type)), key=key)
        first, last = (page.offset + 1 if page.entries else 0), page.offset + len(page.entries)
        self.query_one("#audit-summary", Static).update(plain(
            f"{first}–{last} of {page.total} · [ newer · ] older · Enter whole change"))
        self._describe(next(iter(self.entries), None))

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(event.row_key.value)

    def _describe(self, key: str | None) -> None:
        entry = self.entries.get(key or "")
        self.query_one("#audit-change", Static).update(plain("\n".join(change_lines(entry)) if entry else ""))

    @on(DataTable.RowSelected, "#audit-table")
    def _whole(self, event: DataTable.RowSelected) -> None:
        entry = self.entries.get(highlighted_key(self.query_one("#audit-table", DataTable)) or "")
        if entry is not None:
            session = f" · session {entry.session_id}" if entry.session_id else ""
            self.app.push_screen(ReadingModal(
                f"{entry.action} · {entry.target_name or entry.target_type}", "\n".join(change_lines(entry)) or "—",
                detail=f"by {entry.actor_name} at {when(entry.at, '%Y-%m-%d %H:%M:%S')} UTC{session}"))
