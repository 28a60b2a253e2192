"""Live activity: who is online and on which screen, what each is generating (model, host, time
waited, tokens so far), the queue and in-flight requests per Ollama host, and recent errors.

It refreshes when something changes (a session moves, a reply is queued, streams or ends), never by
reading the database on a timer: everything shown lives in the server's memory. Redraws are spaced
at least `MIN_INTERVAL_S` apart, however fast a class generates."""

from __future__ import annotations

import asyncio

from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from workshop_tui.domain.errors import NotAuthenticated, ServiceError
from workshop_tui.services.activity import ActivitySnapshot
from workshop_tui.services.generations import Generation
from workshop_tui.ui.text import cell, plain
from workshop_tui.ui.widgets.admin.base import AdminPane, css_beside, when
from workshop_tui.ui.widgets.tables import rows_table

MIN_INTERVAL_S = 0.5
WAKE_S = 5.0  # with no change, redraw anyway this often (times waited keep growing)
RECENT_ERRORS_SHOWN = 5


def describe_wait(generation: Generation) -> str:
    if generation.running:
        return f"streaming · waited {generation.waited_s:.1f} s"
    ahead = "next" if generation.position == 0 else f"{generation.position} ahead"
    return f"waiting {generation.waited_s:.0f} s ({ahead})"


class ActivityPane(AdminPane):
    DEFAULT_CSS = css_beside(__file__)

    def compose(self) -> ComposeResult:
        yield Static("", id="online-heading", classes="heading")
        yield rows_table("online-table", "User", "Role", "Place", "From", "Since")
        yield Static("", id="generating-heading", classes="heading")
        yield rows_table("generating-table", "User", "Model", "Host", "State", "Tokens")
        yield Static("", id="hosts")
        yield Static("", id="errors")

    def load(self) -> None:
        self._watch()

    @work(group="activity-watch", exclusive=True, exit_on_error=False)
    async def _watch(self) -> None:
        app = self.workshop_app
        try:
            async with app.services.activity.watch(self.actor) as feed:
                while True:
                    self.show(await app.call(feed.next(timeout=WAKE_S)))
                    await asyncio.sleep(MIN_INTERVAL_S)
        except NotAuthenticated as exc:
            app.request_sign_out(str(exc))
        except ServiceError as exc:
            self.query_one("#online-heading", Static).update(plain(f"Live activity stopped: {exc}"))

    def show(self, snapshot: ActivitySnapshot) -> None:
        self.query_one("#online-heading", Static).update(plain(f"Online now: {len(snapshot.online)}"))
        online = self.query_one("#online-table", DataTable)
        online.clear()
        for entry in snapshot.online:
            online.add_row(*map(cell, (entry.username, entry.role.value, entry.place,
                                       entry.source or "this machine", when(entry.since, "%H:%M"))))
        running = sum(1 for g in snapshot.generations if g.running)
        self.query_one("#generating-heading", Static).update(plain(
            f"Generating: {running} streaming, {len(snapshot.generations) - running} waiting"))
        generating = self.query_one("#generating-table", DataTable)
        generating.clear()
        for generation in snapshot.generations:
            generating.add_row(*map(cell, (generation.username, generation.model, generation.host,
                                           describe_wait(generation), f"{generation.tokens:,}")))
        hosts = [f"{h.url}: {'up' if h.up else 'DOWN'} · {h.running}/{h.capacity} in flight · {h.waiting} queued"
                 + (f" · {h.error}" if h.error else "") for h in snapshot.hosts]
        self.query_one("#hosts", Static).update(plain("Ollama hosts\n" + ("\n".join(hosts) or "none configured")))
        errors = [f"{when(e.at, '%H:%M:%S')} {e.where}: {e.message}" for e in snapshot.errors[:RECENT_ERRORS_SHOWN]]
        self.query_one("#errors", Static).update(plain("Recent errors\n" + ("\n".join(errors) or "none")))
