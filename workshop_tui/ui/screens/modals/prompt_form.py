"""The form for a prompt's variables: one typed field each (text, multi-line text, number, choice,
yes/no), with the defaults filled in and the description shown. Submitting asks the prompts
service to render the values; its errors are shown here, naming the field, and the rendered text
is the form's result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, Switch, TextArea

from workshop_tui.domain.errors import Invalid, ServiceError
from workshop_tui.domain.models import Prompt
from workshop_tui.domain.templates import Value
from workshop_tui.ui.text import plain

Renderer = Callable[[dict[str, Value | None]], Awaitable[str]]


class PromptFormModal(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PromptFormModal { align: center middle; }
    PromptFormModal #dialog { width: 84; height: auto; max-height: 95%; padding: 1 2; border: round $primary;
                              background: $surface; }
    PromptFormModal #title { text-style: bold; color: $primary; }
    PromptFormModal Label { margin-top: 1; }
    PromptFormModal .description { color: $text-muted; }
    PromptFormModal TextArea { height: 5; }
    PromptFormModal Input { background: $boost; }
    PromptFormModal #problem { color: $error; height: auto; margin-top: 1; }
    PromptFormModal #buttons { height: auto; margin-top: 1; }
    PromptFormModal #buttons Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel"),
                Binding("ctrl+s", "submit", "Insert", id="insert")]

    def __init__(self, prompt: Prompt, render: Renderer) -> None:
        super().__init__()
        self.prompt = prompt
        self._render_values = render

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(plain(f"Use the prompt “{self.prompt.title}”"), id="title")
            for variable in self.prompt.variables:
                name = str(variable.get("name", ""))
                required = " (required)" if variable.get("required") else ""
                yield Label(plain(f"{name}{required}"))
                if variable.get("description"):
                    yield Static(plain(str(variable["description"])), classes="description")
                yield _field(variable)
            yield Static("", id="problem")
            with Horizontal(id="buttons"):
                yield Button("Insert", id="insert", variant="primary")
                yield Button("Cancel", id="cancel")

    def values(self) -> dict[str, Value | None]:
        found: dict[str, Value | None] = {}
        for variable in self.prompt.variables:
            name = str(variable.get("name", ""))
            widget = self.query_one(f"#var-{name}")
            if isinstance(widget, Switch):
                found[name] = widget.value
            elif isinstance(widget, Select):
                found[name] = None if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, TextArea):
                found[name] = widget.text or None
            elif isinstance(widget, Input):
                found[name] = widget.value or None
        return found

    def show_problem(self, field: str | None, message: str) -> None:
        self.query_one("#problem", Static).update(plain(message))
        if field:
            try:
                self.query_one(f"#var-{field}").focus()
            except Exception:  # noqa: S110 - a problem about no one field
                pass

    @on(Button.Pressed, "#insert")
    def action_submit(self) -> None:
        self._submit(self.values())

    @work(group="prompt-render", exclusive=True, exit_on_error=False)
    async def _submit(self, values: dict[str, Value | None]) -> None:
        try:
            rendered = await self._render_values(values)
        except Invalid as exc:
            self.show_problem(exc.field, str(exc))
            return
        except ServiceError as exc:
            self.show_problem(None, str(exc))
            return
        self.dismiss(rendered)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _field(variable: dict[str, Any]) -> Widget:
    name = str(variable.get("name", ""))
    kind = variable.get("type", "text")
    default = variable.get("default")
    widget_id = f"var-{name}"
    if kind == "boolean":
        return Switch(value=bool(default), id=widget_id)
    if kind == "choice":
        choices = [str(choice) for choice in variable.get("choices", ())]
        return Select([(plain(choice), choice) for choice in choices], id=widget_id, prompt="choose",
                      value=str(default) if default is not None and str(default) in choices else Select.NULL)
    if kind == "multiline":
        return TextArea("" if default is None else str(default), id=widget_id, soft_wrap=True)
    return Input("" if default is None else str(default), id=widget_id, compact=True,
                 type="number" if kind == "number" else "text")
