"""Health: whether the database, the vector store and Ollama are up.

Staff see every check with its details (host addresses and latency, queues, models missing, the
data folder); everyone else sees only up or down, as the health service answers them. It checks
when opened and again on `r`, never on its own: each check may wait on a host for a few seconds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from workshop_tui.services.health import Check, HealthReport
from workshop_tui.ui.screens.base import PlaceScreen
from workshop_tui.ui.text import plain, styled


def now() -> datetime:
    return datetime.now(UTC)


NAMES = {"database": "Database", "qdrant": "Vector store", "ollama": "Ollama", "models": "Models",
         "loaded_models": "Models loaded", "queue": "Queue", "workshop": "Workshop", "disk": "Data folder"}


def check_name(check: Check) -> str:
    if check.name.startswith("ollama "):
        return f"Ollama at {check.name.removeprefix('ollama ')}"
    return NAMES.get(check.name, check.name)


def detail_lines(detail: dict[str, Any], indent: str = "    ") -> list[str]:
    lines = []
    for key, value in detail.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines += detail_lines(value, indent + "  ")
        elif isinstance(value, list):
            lines.append(f"{indent}{key}: {', '.join(map(str, value)) or 'none'}")
        elif isinstance(value, float):
            lines.append(f"{indent}{key}: {value:,.1f}")
        else:
            lines.append(f"{indent}{key}: {'—' if value is None else value}")
    return lines


def describe_check(check: Check, *, details: bool) -> Content:
    mark = styled("✓ up  ", "$success") if check.ok else styled("✗ down", "$error" if check.required else "$warning")
    head = Content.assemble(mark, "  ", (check_name(check), "bold"), "" if check.required else " (optional)")
    parts = [head]
    if check.error:
        parts.append(styled(f"    {check.error}", "$error" if check.required else "$warning"))
    if details and check.detail:
        parts.append(styled("\n".join(detail_lines(check.detail)), "$text-muted"))
    return Content("\n").join(parts)


class HealthScreen(PlaceScreen):
    CSS_PATH = "health.tcss"
    BINDINGS = [Binding("r", "check", "Check again", id="health.check", tooltip="Run every check now")]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="health-summary")
        yield VerticalScroll(id="health-checks")
        yield Static(plain("r checks again"), id="health-keys")

    def on_mount(self) -> None:
        self.action_check()

    def action_check(self) -> None:
        self.query_one("#health-summary", Static).update(plain("Checking…"))
        self._check()

    @work(group="health-check", exclusive=True, exit_on_error=False)
    async def _check(self) -> None:
        app = self.workshop_app
        report = await app.guarded(app.services.health.detailed(app.actor), "Health")
        if report is not None:
            await self.show(report, now())

    async def show(self, report: HealthReport, at: datetime) -> None:
        box = self.query_one("#health-checks", VerticalScroll)
        await box.remove_children()
        await box.mount_all([Static(describe_check(check, details=report.detailed), classes="check")
                             for check in report.checks])
        verdict = "Everything needed is up." if report.ok else "Something needed is down."
        self.query_one("#health-summary", Static).update(Content.assemble(
            styled(verdict, "$success" if report.ok else "$error"), f"   checked at {at:%H:%M:%S} UTC"))
