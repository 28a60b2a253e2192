"""One variable of a prompt template: its name, type, default, whether it is required, its choices
and a description. Checked as it would be when the prompt is saved (`TemplateVariable`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, Switch

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.templates import VARIABLE_TYPES, TemplateVariable, Value, coerce_value
from workshop_tui.ui.forms import without_field
from workshop_tui.ui.text import plain

TYPE_HINTS = {"text": "one line of text", "multiline": "several lines", "number": "a number",
              "choice": "one of the choices", "boolean": "yes or no"}


def describe_variable(variable: TemplateVariable) -> str:
    """'topic · text · required · default "tokens"' for the editor's list."""
    parts = [variable.name, variable.type]
    if variable.required:
        parts.append("required")
    if variable.choices:
        parts.append("choices " + " / ".join(variable.choices))
    if variable.default is not None:
        parts.append(f"default {variable.default!r}")
    return " · ".join(parts)


def typed_default(kind: str, text: str) -> Value | None:
    """The default as the variable's type keeps it: a number, true or false, or the text."""
    if not text.strip():
        return None
    if kind == "number":
        number = float(text)
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        return coerce_value(TemplateVariable("value", "boolean"), text) == "true"
    return text


def default_text(value: Value | None) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


class VariableModal(ModalScreen[TemplateVariable | None]):
    DEFAULT_CSS = """
    VariableModal { align: center middle; }
    VariableModal #dialog { width: 72; height: auto; max-height: 95%; padding: 1 2; border: round $primary;
                            background: $surface; }
    VariableModal #title { text-style: bold; color: $primary; }
    VariableModal Label { margin-top: 1; color: $text-muted; }
    VariableModal Input { background: $boost; }
    VariableModal #required-row { height: auto; margin-top: 1; }
    VariableModal #required-row Label { margin: 0 1 0 0; }
    VariableModal #problem { color: $error; height: auto; margin-top: 1; }
    VariableModal #buttons { height: auto; margin-top: 1; }
    VariableModal #buttons Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel"), Binding("ctrl+s", "save", "Done", id="save")]
    AUTO_FOCUS = "#var-name"

    def __init__(self, variable: TemplateVariable | None = None) -> None:
        super().__init__()
        self._variable = variable or TemplateVariable("name")

    def compose(self) -> ComposeResult:
        variable = self._variable
        with VerticalScroll(id="dialog"):
            yield Static("Variable", id="title")
            yield Label("Name (letters, digits and _; used as {{name}} in the template)")
            yield Input(variable.name, id="var-name", max_length=64, compact=True)
            yield Label("Type")
            yield Select([(f"{kind}: {TYPE_HINTS[kind]}", kind) for kind in VARIABLE_TYPES], value=variable.type,
                         allow_blank=False, id="var-type")
            with Horizontal(id="required-row"):
                yield Label("Required")
                yield Switch(value=variable.required, id="var-required")
            yield Label("Default (optional)")
            yield Input(default_text(variable.default), id="var-default", compact=True)
            yield Label("Choices, separated by commas (choice variables only)")
            yield Input(", ".join(variable.choices), id="var-choices", compact=True)
            yield Label("Description, shown beside the field")
            yield Input(variable.description, id="var-description", max_length=200, compact=True)
            yield Static("", id="problem")
            with Horizontal(id="buttons"):
                yield Button("Done", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def checked(self) -> TemplateVariable:
        """The variable the form describes, or Invalid saying what is wrong."""
        kind = str(self.query_one("#var-type", Select).value)
        name = self._value("var-name").strip()
        choices = tuple(c.strip() for c in self._value("var-choices").split(",") if c.strip())
        try:
            default = typed_default(kind, self._value("var-default"))
        except (ValueError, Invalid):
            raise Invalid("the default is not of the variable's type", field=name) from None
        return TemplateVariable(name=name, type=kind, default=default,
                                required=self.query_one("#var-required", Switch).value,
                                choices=choices if kind == "choice" else (),
                                description=self._value("var-description").strip())

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            variable = self.checked()
        except Invalid as exc:
            self.query_one("#problem", Static).update(plain(without_field(exc)))
            return
        self.dismiss(variable)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
