"""Try a tool: its arguments in a form generated from the kind's schema, filled with sample values,
and the result (or the refusal) exactly as a model would read it, shown as plain text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from workshop_tui.domain.enums import ToolKind
from workshop_tui.domain.errors import NotAuthenticated, ServiceError
from workshop_tui.domain.models import Tool
from workshop_tui.services.tools.runner import ToolOutcome
from workshop_tui.ui.text import plain
from workshop_tui.ui.widgets.schema_form import SchemaForm

Run = Callable[[dict[str, Any]], Awaitable[ToolOutcome]]
SAMPLES: dict[ToolKind, dict[str, Any]] = {
    ToolKind.CALCULATOR: {"expression": "(3 + 4) * 2 ** 5 / sqrt(2)"},
    ToolKind.DATETIME: {"timezone": "Europe/Paris"},
    ToolKind.UNIT_CONVERSION: {"value": 10, "from_unit": "km", "to_unit": "mi"},
    ToolKind.VECTOR_SEARCH: {"query": "What is an embedding?", "top_k": 3},
}


def sample_arguments(tool: Tool) -> dict[str, Any]:
    """Arguments a model might send: fixed ones per kind; for a lookup table, its first key."""
    if tool.kind is ToolKind.LOOKUP_TABLE:
        entries = tool.config.get("entries") or {}
        return {"key": next(iter(entries), "")}
    return dict(SAMPLES.get(tool.kind, {}))


class TryToolModal(ModalScreen[None]):
    DEFAULT_CSS = """
    TryToolModal { align: center middle; }
    TryToolModal #dialog { width: 84; max-width: 98%; height: auto; max-height: 95%; padding: 0 2;
                           border: round $primary; background: $surface; }
    TryToolModal #heading { text-style: bold; color: $primary; }
    TryToolModal #about { color: $text-muted; }
    TryToolModal #outcome-label { margin-top: 1; text-style: bold; }
    TryToolModal #outcome-label.refused { color: $error; }
    TryToolModal #outcome { background: $boost; padding: 0 1; height: auto; }
    TryToolModal #buttons { height: auto; margin: 1 0; }
    TryToolModal #buttons Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="close"), Binding("ctrl+r", "run", "Run", id="run")]
    AUTO_FOCUS = "SchemaForm Input, SchemaForm Select, #run"

    def __init__(self, tool: Tool, run: Run) -> None:
        super().__init__()
        self.tool = tool
        self._run_tool = run

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(plain(f"Try the tool {self.tool.name}"), id="heading")
            yield Static(plain(self.tool.description or self.tool.kind.value), id="about")
            yield SchemaForm(self.tool.parameters, sample_arguments(self.tool), path="arguments")
            yield Static("", id="outcome-label")
            yield Static("", id="outcome")
            with Horizontal(id="buttons"):
                yield Button("Run", id="run", variant="primary")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#outcome").display = False

    @on(Button.Pressed, "#run")
    def action_run(self) -> None:
        arguments = self.query_one(SchemaForm).checked()
        if arguments is not None:
            self._run(arguments)

    @work(group="tool-try", exclusive=True, exit_on_error=False)
    async def _run(self, arguments: dict[str, Any]) -> None:
        self._show("Running…", "", ok=True)
        try:
            outcome = await self._run_tool(arguments)
        except NotAuthenticated as exc:
            self.app.request_sign_out(str(exc))  # type: ignore[attr-defined]
        except ServiceError as exc:
            self._show("Refused", str(exc), ok=False)
        else:
            self._show("Result" if outcome.ok else "Refused: the model would read this", outcome.content,
                       ok=outcome.ok)

    def _show(self, label: str, text: str, *, ok: bool) -> None:
        heading = self.query_one("#outcome-label", Static)
        heading.update(plain(label))
        heading.set_class(not ok, "refused")
        body = self.query_one("#outcome", Static)
        body.update(plain(text))
        body.display = bool(text)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
