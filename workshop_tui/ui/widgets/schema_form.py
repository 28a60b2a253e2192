"""A form generated from the JSON schema of a tool kind's config or arguments: one field per
property, typed by the schema (text, number, whole number, yes/no, a choice, or a table of
`key = value` lines), each with its description and an error line that the service's `Invalid`
reaches by the field it names (`config.entries`, `arguments.expression`).

Values are only read here; the services validate them against the same schema.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch, TextArea

from workshop_tui.domain.errors import Invalid
from workshop_tui.ui.forms import set_error, show_invalid
from workshop_tui.ui.text import plain

Choices = Sequence[tuple[str, Any]]


def table_text(entries: Mapping[str, Any]) -> str:
    return "\n".join(f"{key} = {value}" for key, value in entries.items())


def parse_table(text: str, field: str) -> dict[str, str]:
    """`key = value` lines into a mapping; blank lines are skipped."""
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise Invalid(f"line {number}: write each entry as key = value", field=field)
        entries[key.strip()] = value.strip()
    return entries


class SchemaForm(Vertical):
    """Fields for the `properties` of an object schema, filled with `values`."""

    DEFAULT_CSS = """
    SchemaForm { height: auto; }
    SchemaForm Label { margin-top: 1; }
    SchemaForm .hint { color: $text-muted; }
    SchemaForm Input { background: $boost; }
    SchemaForm TextArea { height: 6; }
    SchemaForm .error { color: $error; height: auto; display: none; }
    SchemaForm .empty { color: $text-muted; }
    """

    def __init__(self, schema: Mapping[str, Any], values: Mapping[str, Any] | None = None, *, path: str,
                 choices: Mapping[str, Choices] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.schema = schema
        self.path = path
        self._values = dict(values or {})
        self._choices = dict(choices or {})
        self.properties: dict[str, dict[str, Any]] = dict(schema.get("properties", {}))
        self.required = set(schema.get("required", ()))

    def compose(self) -> ComposeResult:
        if not self.properties:
            yield Static("Nothing to set.", classes="empty")
        for name, spec in self.properties.items():
            yield Label(plain(name + (" (required)" if name in self.required else "")))
            if spec.get("description"):
                yield Static(plain(spec["description"]), classes="hint")
            if spec.get("type") == "object":
                yield Static("one entry per line: key = value", classes="hint")
            yield self._field(name, spec, self._values.get(name))
            yield Static("", id=self._error_id(name), classes="error")
        yield Static("", id=f"{self.path}-form-error", classes="error")

    def _widget_id(self, name: str) -> str:
        return f"{self.path}-{name}"

    def _error_id(self, name: str) -> str:
        return f"{self.path}-{name}-error"

    def _field(self, name: str, spec: Mapping[str, Any], value: Any) -> Widget:
        widget_id, kind = self._widget_id(name), spec.get("type")
        options = self._choices.get(name) or [(str(v), v) for v in spec.get("enum", ())]
        if options:
            known = [v for _, v in options]
            return Select([(plain(label), v) for label, v in options], id=widget_id, prompt="choose",
                          value=value if value in known else Select.NULL)
        if kind == "boolean":
            return Switch(value=bool(value), id=widget_id)
        if kind == "object":
            return TextArea(table_text(value or {}), id=widget_id)
        text = "" if value is None else str(value)
        input_type = {"number": "number", "integer": "integer"}.get(str(kind), "text")
        return Input(text, id=widget_id, type=input_type, max_length=int(spec.get("maxLength", 0)) or 0,
                     compact=True)

    def values(self) -> dict[str, Any]:
        """What the form holds, typed by the schema; empty optional fields are left out."""
        found: dict[str, Any] = {}
        for name, spec in self.properties.items():
            widget = self.query_one(f"#{self._widget_id(name)}")
            field = f"{self.path}.{name}"
            if isinstance(widget, Switch):
                found[name] = widget.value
            elif isinstance(widget, Select):
                if widget.value is not Select.NULL:
                    found[name] = widget.value
            elif isinstance(widget, TextArea):
                found[name] = parse_table(widget.text, field)
            elif isinstance(widget, Input) and widget.value.strip():
                found[name] = _typed(widget.value.strip(), spec.get("type"), field)
        return found

    def checked(self) -> dict[str, Any] | None:
        """The values, or None after showing beside its field what could not be read."""
        try:
            values = self.values()
        except Invalid as exc:
            self.show(exc)
            return None
        self.clear()
        return values

    def owns(self, exc: Invalid) -> bool:
        """Whether `exc` is about this form (its field is the form's path or below it)."""
        field = exc.field or ""
        return field == self.path or field.startswith(f"{self.path}.")

    def show(self, exc: Invalid) -> None:
        """Put `exc` beside the field it names (under the form when it names the whole form)."""
        routes = {f"{self.path}.{name}": self._error_id(name) for name in self.properties}
        show_invalid(self, exc, routes, f"{self.path}-form-error")

    def clear(self) -> None:
        for name in self.properties:
            set_error(self, self._error_id(name), "")
        set_error(self, f"{self.path}-form-error", "")


def _typed(text: str, kind: Any, field: str) -> Any:
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise Invalid("a whole number", field=field) from None
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise Invalid("a number", field=field) from None
        return int(number) if number.is_integer() else number
    return text
