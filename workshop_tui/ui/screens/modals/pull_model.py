"""Ask which model to pull; the name is checked as it is typed, with the services' own rule."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from workshop_tui.domain.errors import Invalid
from workshop_tui.services.model_names import check_model_name
from workshop_tui.ui.forms import without_field
from workshop_tui.ui.text import plain


class PullModal(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PullModal { align: center middle; }
    PullModal #dialog { width: 70; height: auto; padding: 1 2; border: round $primary; background: $surface; }
    PullModal #title { text-style: bold; color: $primary; }
    PullModal .hint { color: $text-muted; }
    PullModal Input { margin-top: 1; background: $boost; }
    PullModal #name-error { color: $error; height: auto; }
    PullModal Horizontal { height: auto; margin-top: 1; }
    PullModal Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]
    AUTO_FOCUS = "#name"

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Pull a model", id="title")
            yield Label("The name as the Ollama library gives it, with its tag.", classes="hint")
            yield Input(placeholder="e.g. qwen2.5:0.5b", id="name", max_length=200)
            yield Static("", id="name-error")
            with Horizontal():
                yield Button("Pull", id="pull", variant="primary")
                yield Button("Cancel", id="cancel")

    def _checked(self) -> str | None:
        try:
            name = check_model_name(self.query_one("#name", Input).value, "name")
        except Invalid as exc:
            self.query_one("#name-error", Static).update(plain(without_field(exc)))
            return None
        self.query_one("#name-error", Static).update("")
        return name

    @on(Input.Changed, "#name")
    def _typed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self._checked()

    @on(Input.Submitted, "#name")
    @on(Button.Pressed, "#pull")
    def _pull(self) -> None:
        name = self._checked()
        if name is not None:
            self.dismiss(name)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
