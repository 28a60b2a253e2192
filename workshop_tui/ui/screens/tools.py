"""Tools: the vetted tools you may let a model call in a chat, with their kind and description.
"Try it" runs one with sample arguments and shows the result or the refusal. Staff create tools
from the vetted kinds (no code is ever written here) and change or delete their own."""

from __future__ import annotations

import json
from collections.abc import Iterable

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from workshop_tui.domain.models import Tool
from workshop_tui.services.access import Kind
from workshop_tui.services.tools.kinds import KINDS
from workshop_tui.ui.permissions import may_change, may_create, may_share
from workshop_tui.ui.screens.base import PlaceScreen
from workshop_tui.ui.screens.modals.confirm import ConfirmModal
from workshop_tui.ui.screens.modals.tool_editor import ToolDraft, ToolEditorModal
from workshop_tui.ui.screens.modals.tool_try import TryToolModal
from workshop_tui.ui.service_calls import completed
from workshop_tui.ui.text import cell, plain, say

OWNER_ACTIONS = frozenset({"edit", "delete"})


def describe_tool(tool: Tool) -> str:
    """The detail pane: what the kind does, the arguments a model sends, and the configuration."""
    spec = KINDS[tool.kind]
    required = set(tool.parameters.get("required", ()))
    arguments = [f"  {name}{' (required)' if name in required else ''}: {prop.get('type', '')}"
                 + (f", {prop['description']}" if prop.get("description") else "")
                 for name, prop in tool.parameters.get("properties", {}).items()]
    lines = [tool.description or spec.description, "",
             f"kind: {spec.title}: {spec.description}",
             f"{tool.visibility.value} · {'enabled' if tool.enabled else 'disabled'}", "",
             "Arguments the model sends:", *(arguments or ["  none"])]
    if tool.config:
        lines += ["", "Configuration:", json.dumps(tool.config, indent=2, ensure_ascii=False)[:3000]]
    return "\n".join(lines)


class ToolsScreen(PlaceScreen):
    CSS_PATH = "tools.tcss"
    AUTO_FOCUS = "#tools-table"
    BINDINGS = [
        Binding("t", "try", "Try it", id="tools.try", tooltip="Run the tool with sample arguments"),
        Binding("n", "new", "New", id="tools.new", tooltip="Create a tool from one of the vetted kinds"),
        Binding("e", "edit", "Edit", id="tools.edit", tooltip="Change this tool's description, config or sharing"),
        Binding("d,delete", "delete", "Delete", id="tools.delete", tooltip="Delete this tool"),
    ]

    def __init__(self, place):  # type: ignore[no-untyped-def]
        super().__init__(place)
        self.tools: dict[str, Tool] = {}
        self._select: int | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="tools-main"):
            yield DataTable(id="tools-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="tool-view"):
                yield Static("", id="tool-heading")
                yield Static("", id="tool-text")
        yield Static("", id="tools-status")

    def on_mount(self) -> None:
        self.query_one("#tools-table", DataTable).add_columns("Tool", "Kind", "Visibility", "Description")
        self._load()

    def on_screen_resume(self) -> None:
        self._load()

    @property
    def _staff(self) -> bool:
        user = self.workshop_app.user
        return may_create(user, Kind.TOOL)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new":
            return self._staff
        if action in OWNER_ACTIONS:
            tool = self.current()
            return tool is not None and self._staff and may_change(self.workshop_app.user, tool)
        if action == "try":
            return self.current() is not None
        return True

    @work(group="tools-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        app = self.workshop_app
        if app.actor is None:
            return
        # Staff may call every enabled tool; they also see the disabled ones, to enable them again.
        tools = await app.guarded(app.services.tools.list(app.actor, usable_only=not self._staff), "Loading tools")
        if tools is None:
            return
        table = self.query_one("#tools-table", DataTable)
        highlighted = self.current()
        wanted = self._select if self._select is not None else (highlighted.id if highlighted else None)
        self._select = None
        self.tools = {str(t.id): t for t in tools}
        table.clear()
        for tool in tools:
            state = tool.visibility.value if tool.enabled else f"{tool.visibility.value}, disabled"
            table.add_row(cell(tool.name), cell(KINDS[tool.kind].title), cell(state, "" if tool.enabled else "dim"),
                          cell(tool.description), key=str(tool.id))
        if wanted is not None and str(wanted) in self.tools:
            table.move_cursor(row=table.get_row_index(str(wanted)))
        self._show(self.current())
        self.query_one("#tools-status", Static).update(plain(f"{len(tools)} tool(s)" if tools else (
            "No tools yet: press n to create one from a vetted kind." if self._staff
            else "No tools are available to you yet: ask your instructor.")))

    def current(self) -> Tool | None:
        table = self.query_one("#tools-table", DataTable)
        if table.row_count == 0:
            return None
        return self.tools.get(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or "")

    @on(DataTable.RowHighlighted, "#tools-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(self.tools.get(event.row_key.value or ""))
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#tools-table")
    def _selected(self) -> None:
        self.action_try()

    def _show(self, tool: Tool | None) -> None:
        self.query_one("#tool-view").display = tool is not None
        if tool is not None:
            self.query_one("#tool-heading", Static).update(plain(tool.name))
            self.query_one("#tool-text", Static).update(plain(describe_tool(tool)))

    def action_try(self) -> None:
        tool = self.current()
        app = self.workshop_app
        actor = app.actor
        if tool is None or actor is None:
            return
        self.app.push_screen(TryToolModal(
            tool, lambda arguments: app.call(app.services.tools.try_tool(actor, tool.id, arguments))))

    @work(group="tools-edit", exclusive=True, exit_on_error=False)
    async def _edit(self, tool: Tool | None) -> None:
        app = self.workshop_app
        actor, service = app.actor, app.services.tools
        if actor is None:
            return
        vector_dbs = await app.guarded(app.services.knowledge.vector_dbs.list(actor), "Loading vector DBs") or []
        shares = may_share(app.user)

        async def save(draft: ToolDraft) -> Tool:
            shared = {"visibility": draft.visibility} if shares else {}
            if tool is None:
                return await app.call(service.create(actor, draft.name, draft.kind, description=draft.description,
                                                     config=draft.config, **shared))
            return await app.call(service.update(actor, tool.id, description=draft.description,
                                                 config=draft.config, enabled=draft.enabled, **shared))

        saved = await self.app.push_screen_wait(ToolEditorModal(save, tool, vector_dbs=vector_dbs,
                                                                may_share=shares))
        if saved is not None:
            say(self.app, f"Saved the tool {saved.name}.", timeout=4)
            self._select = saved.id
            self._load()

    def action_new(self) -> None:
        self._edit(None)

    def action_edit(self) -> None:
        if self.current() is not None:
            self._edit(self.current())

    @work(group="tools-delete", exclusive=True, exit_on_error=False)
    async def action_delete(self) -> None:
        tool = self.current()
        app = self.workshop_app
        if tool is None or app.actor is None:
            return
        if not await self.app.push_screen_wait(ConfirmModal(
                f"Delete the tool {tool.name}? Conversations that use it lose it.")):
            return
        if await app.guarded(completed(app.services.tools.delete(app.actor, tool.id)), "Deleting"):
            say(self.app, f"Deleted the tool {tool.name}.", timeout=4)
        self._load()

    def palette_commands(self) -> Iterable[SystemCommand]:
        if self.check_action("new", ()):
            yield SystemCommand("New tool", "Create a tool from one of the vetted kinds", self.action_new)
        if self.current() is None:
            return
        yield SystemCommand("Try the tool", "Run the highlighted tool with sample arguments", self.action_try)
        if self.check_action("edit", ()):
            yield SystemCommand("Edit the tool", "Change the highlighted tool", self.action_edit)
            yield SystemCommand("Delete the tool", "Delete the highlighted tool", self.action_delete)
