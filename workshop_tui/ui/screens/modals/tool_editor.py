"""Create a tool from one of the vetted kinds, or change one: its name, description, visibility
(for those who may share), whether it is enabled, and its config in a form generated from the
kind's config schema. Saving goes through the tools service; its `Invalid` appears beside the
field it names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static, Switch

from workshop_tui.domain.enums import ToolKind, Visibility
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import Tool, VectorDb
from workshop_tui.services.tool_resources import check_tool_fields
from workshop_tui.services.tools.kinds import KINDS
from workshop_tui.ui.forms import (
    chosen_visibility,
    clear_errors,
    set_error,
    show_invalid,
    submit,
    visibility_field,
    without_field,
)
from workshop_tui.ui.screens.modals.editor import EditorModal
from workshop_tui.ui.text import plain
from workshop_tui.ui.widgets.schema_form import SchemaForm

FIELDS = ("kind", "name", "description", "visibility")


@dataclass
class ToolDraft:
    kind: ToolKind
    name: str
    description: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    visibility: Visibility = Visibility.PRIVATE
    enabled: bool = True


Save = Callable[[ToolDraft], Awaitable[Tool]]


class ToolEditorModal(EditorModal[Tool]):
    CSS_PATH = "tool_editor.tcss"

    def __init__(self, save: Save, tool: Tool | None = None, *, vector_dbs: Sequence[VectorDb] = (),
                 may_share: bool) -> None:
        super().__init__()
        self._save_draft = save
        self._tool = tool
        self._vector_dbs = list(vector_dbs)
        self._may_share = may_share
        self.kind = tool.kind if tool else ToolKind.CALCULATOR
        self.AUTO_FOCUS = "#description" if tool else "#kind"

    def heading(self) -> str:
        return f"Change the tool {self._tool.name}" if self._tool else "New tool"

    def compose_fields(self) -> ComposeResult:
        tool = self._tool
        yield Label("Kind (the vetted code it runs)")
        yield Select([(plain(f"{spec.title}: {spec.description}"), kind) for kind, spec in KINDS.items()],
                     value=self.kind, allow_blank=False, id="kind", disabled=tool is not None)
        yield Static("", id="kind-error", classes="error")
        yield Label("Name (how models call it: lower-case letters, digits and _)")
        yield Input(tool.name if tool else "", id="name", max_length=48, compact=True, disabled=tool is not None)
        yield Static("", id="name-error", classes="error")
        yield Label("Description (what the model is told the tool does)")
        yield Input(tool.description if tool else "", id="description", max_length=500, compact=True)
        yield Static("", id="description-error", classes="error")
        with Horizontal(id="sharing"):
            with Vertical():
                yield Label("Visibility")
                yield visibility_field(tool.visibility if tool else Visibility.PRIVATE, self._may_share,
                                       "private; instructors share")
            if tool is not None:
                with Vertical(id="enabled-box"):
                    yield Label("Enabled")
                    yield Switch(value=tool.enabled, id="enabled")
        yield Static("", id="visibility-error", classes="error")
        yield Static("Configuration", classes="section")
        with Vertical(id="config-box"):
            yield self._config_form(tool.config if tool else {})
        yield Static("", id="problem", classes="error")

    def _config_form(self, values: dict[str, Any]) -> SchemaForm:
        databases = [(f"{db.name} ({db.embedding_model})", db.id) for db in self._vector_dbs]
        return SchemaForm(KINDS[self.kind].config_schema, values, path="config",
                          choices={"vector_db_id": databases}, id="config")

    @on(Select.Changed, "#kind")
    async def _kind_changed(self, event: Select.Changed) -> None:
        if self._tool is not None or event.value is Select.NULL or event.value == self.kind:
            return
        self.kind = ToolKind(str(event.value))
        box = self.query_one("#config-box")
        await box.remove_children()
        await box.mount(self._config_form({}))

    @on(Input.Changed, "#name")
    def _name_typed(self, event: Input.Changed) -> None:
        problem = ""
        try:
            check_tool_fields(event.value.strip(), self.kind, {})  # the name is checked first
        except Invalid as exc:
            problem = without_field(exc) if exc.field == "name" and event.value.strip() else ""
        set_error(self, "name-error", problem)

    def draft(self) -> ToolDraft | None:
        config = self.query_one(SchemaForm).checked()
        if config is None:
            return None
        enabled = self.query(Switch).filter("#enabled")
        return ToolDraft(kind=self.kind, name=self.query_one("#name", Input).value.strip(),
                         description=self.query_one("#description", Input).value, config=config,
                         visibility=chosen_visibility(self), enabled=enabled.first().value if enabled else True)

    def action_save(self) -> None:
        draft = self.draft()
        if draft is not None:
            self._save(draft)

    @work(group="tool-save", exclusive=True, exit_on_error=False)
    async def _save(self, draft: ToolDraft) -> None:
        form = self.query_one(SchemaForm)
        clear_errors(self, [*(f"{name}-error" for name in FIELDS), "problem"])
        form.clear()

        def beside(exc: Invalid) -> None:
            if form.owns(exc):
                form.show(exc)
            else:
                show_invalid(self, exc, {name: f"{name}-error" for name in FIELDS}, "problem")

        saved = await submit(self, self._save_draft(draft), on_invalid=beside, conflict="name-error")
        if saved is not None:
            self.dismiss(saved)

