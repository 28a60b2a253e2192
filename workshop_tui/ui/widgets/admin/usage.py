"""Usage (admins): messages and tokens per day and per model as bars, and the heaviest users.

`t` switches the bars between tokens and messages; the range is 7, 14 or 30 days (UTC days, as the
quotas count them). It reads the counters when shown, and again on `ctrl+r`."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Select, Static

from workshop_tui.services.usage import UsageSummary
from workshop_tui.ui.text import cell, plain
from workshop_tui.ui.widgets.admin.base import AdminPane, css_beside
from workshop_tui.ui.widgets.tables import rows_table
from workshop_tui.ui.widgets.usage_chart import UsageChart

RANGES = (7, 14, 30)


class UsagePane(AdminPane):
    DEFAULT_CSS = css_beside(__file__)
    BINDINGS = [Binding("t", "measure", "Tokens/messages", id="usage.measure",
                        tooltip="Draw the bars by tokens or by messages"),
                Binding("ctrl+r", "reload", "Reload", id="usage.reload", tooltip="Read the counters again")]

    def compose(self) -> ComposeResult:
        with Horizontal(id="usage-options"):
            yield Static("Last", classes="label")
            yield Select([(f"{n} days", n) for n in RANGES], value=14, allow_blank=False, id="usage-days",
                         compact=True)
            yield Static(plain("t tokens/messages · ctrl+r reload"), id="usage-keys")
        with Horizontal(id="usage-body"):
            with VerticalScroll(id="usage-chart-box"):
                yield UsageChart(id="usage-chart")
            yield rows_table("usage-users", "User", "Messages", "Tokens")

    def load(self) -> None:
        self._load()

    def reshown(self) -> None:
        self._load()

    def focus_first(self) -> None:
        self.query_one("#usage-users").focus()

    def action_reload(self) -> None:
        self._load()

    def action_measure(self) -> None:
        self.query_one(UsageChart).toggle_measure()

    @on(Select.Changed, "#usage-days")
    def _range_changed(self) -> None:
        self._load()

    @work(group="usage-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        days = self.query_one("#usage-days", Select).value
        app = self.workshop_app
        summary = await app.guarded(app.services.usage.summary(self.actor, days=int(str(days))), "Usage")
        if summary is not None:
            self.show(summary)

    def show(self, summary: UsageSummary) -> None:
        self.query_one(UsageChart).show(summary)
        table = self.query_one("#usage-users", DataTable)
        table.clear()
        for user in summary.by_user:
            table.add_row(*map(cell, (user.username, f"{user.messages:,}", f"{user.tokens:,}")))
