"""Prompts: the templates you may use, filtered by tag and searched; each shown with its variables
and a preview rendered with sample values. Create and edit them (those who may), and "Use in chat"
fills in the variables and opens the chat with the result in the composer."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Select, Static

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.models import Prompt
from workshop_tui.services.access import Kind
from workshop_tui.services.prompts import variables_of
from workshop_tui.ui.permissions import may_change, may_create, may_share
from workshop_tui.ui.prompt_samples import preview_of
from workshop_tui.ui.screens.base import PlaceScreen
from workshop_tui.ui.screens.modals.confirm import ConfirmModal
from workshop_tui.ui.screens.modals.prompt_editor import PromptDraft, PromptEditorModal
from workshop_tui.ui.screens.modals.prompt_form import PromptFormModal
from workshop_tui.ui.screens.modals.prompt_variable import describe_variable
from workshop_tui.ui.service_calls import completed
from workshop_tui.ui.text import cell, plain, say

BADGE_STYLE = {Visibility.PRIVATE: "dim", Visibility.CLASS: "bold", Visibility.PUBLIC: "bold reverse"}
OWNER_ACTIONS = frozenset({"edit", "delete"})


def matches(prompt: Prompt, words: list[str], tag: str | None) -> bool:
    text = f"{prompt.title} {' '.join(prompt.tags)} {prompt.description} {prompt.template}".casefold()
    return (tag is None or tag in prompt.tags) and all(word in text for word in words)


class PromptsScreen(PlaceScreen):
    CSS_PATH = "prompts.tcss"
    AUTO_FOCUS = "#prompts-table"
    BINDINGS = [
        Binding("u", "use", "Use in chat", id="prompts.use", tooltip="Fill in the variables and open the chat"),
        Binding("n", "new", "New", id="prompts.new", tooltip="Write a new prompt template"),
        Binding("e", "edit", "Edit", id="prompts.edit", tooltip="Change this prompt"),
        Binding("d,delete", "delete", "Delete", id="prompts.delete", tooltip="Delete this prompt"),
        Binding("slash", "search", "Search", id="prompts.search", tooltip="Search titles, tags and text"),
    ]

    def __init__(self, place):  # type: ignore[no-untyped-def]
        super().__init__(place)
        self.prompts: list[Prompt] = []
        self.shown: dict[str, Prompt] = {}
        self._select: int | None = None  # the prompt to highlight after the next load (one just saved)

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="prompt-filters"):
            yield Input(placeholder="Search titles, tags and text", id="prompt-search", compact=True)
            yield Select[str]([], prompt="every tag", id="prompt-tag", compact=True)
        with Horizontal(id="prompts-main"):
            yield DataTable(id="prompts-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="prompt-view"):
                yield Static("", id="prompt-heading")
                yield Static("", id="prompt-meta")
                yield Static("Template", classes="section")
                yield Static("", id="prompt-template")
                yield Static("Preview with sample values", classes="section")
                yield Static("", id="prompt-preview")
        yield Static("", id="prompts-status")

    def on_mount(self) -> None:
        self.query_one("#prompts-table", DataTable).add_columns("Visibility", "Title", "Tags")
        self._load()

    def on_screen_resume(self) -> None:
        self._load()

    @property
    def _user_name(self) -> str:
        user = self.workshop_app.user
        return user.display_name if user else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        user = self.workshop_app.user
        if action == "new":
            return may_create(user, Kind.PROMPT)
        if action in OWNER_ACTIONS:
            prompt = self.current()
            return prompt is not None and may_change(user, prompt)
        if action == "use":
            return self.current() is not None
        return True

    # -- the list -----------------------------------------------------------------------------------

    @work(group="prompts-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        app = self.workshop_app
        if app.actor is None:
            return
        prompts = await app.guarded(app.services.knowledge.prompts.list(app.actor), "Loading the prompts")
        if prompts is None:
            return
        self.prompts = prompts
        tags = sorted({tag for prompt in prompts for tag in prompt.tags})
        chooser = self.query_one("#prompt-tag", Select)
        chosen = chooser.value
        chooser.set_options([(plain(tag), tag) for tag in tags])
        if chosen in tags:
            chooser.value = chosen
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#prompts-table", DataTable)
        highlighted = self.current()
        current = self._select if self._select is not None else (highlighted.id if highlighted else None)
        self._select = None
        tag_value = self.query_one("#prompt-tag", Select).value
        tag = None if tag_value is Select.NULL else str(tag_value)
        words = self.query_one("#prompt-search", Input).value.casefold().split()
        shown = [p for p in self.prompts if matches(p, words, tag)]
        self.shown = {str(p.id): p for p in shown}
        table.clear()
        for prompt in shown:
            table.add_row(cell(prompt.visibility.value, BADGE_STYLE[prompt.visibility]), cell(prompt.title),
                          cell(", ".join(prompt.tags)), key=str(prompt.id))
        if current is not None and str(current) in self.shown:
            table.move_cursor(row=table.get_row_index(str(current)))
        filtered = "" if len(shown) == len(self.prompts) else f" ({len(shown)} shown)"
        self.query_one("#prompts-status", Static).update(plain(
            f"{len(self.prompts)} prompt(s){filtered}" if self.prompts else self._empty_text()))
        self._show(self.current())

    def _empty_text(self) -> str:
        user = self.workshop_app.user
        if may_create(user, Kind.PROMPT):
            return "No prompts yet: press n to write one."
        return "No prompts are shared with you yet."

    def current(self) -> Prompt | None:
        table = self.query_one("#prompts-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.shown.get(key or "")

    @on(Input.Changed, "#prompt-search")
    @on(Select.Changed, "#prompt-tag")
    def _filter(self) -> None:
        self._fill()

    @on(DataTable.RowHighlighted, "#prompts-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(self.shown.get(event.row_key.value or ""))
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#prompts-table")
    def _selected(self) -> None:
        self.action_use()

    def _show(self, prompt: Prompt | None) -> None:
        self.query_one("#prompt-view").display = prompt is not None
        if prompt is None:
            return
        variables = [describe_variable(v) for v in variables_of(prompt)]
        meta = [f"{prompt.visibility.value} · tags: {', '.join(prompt.tags) or 'none'}"]
        if prompt.description:
            meta.insert(0, prompt.description)
        meta.append("variables:" + ("".join(f"\n  {v}" for v in variables) if variables else " none"))
        self.query_one("#prompt-heading", Static).update(plain(prompt.title))
        self.query_one("#prompt-meta", Static).update(plain("\n".join(meta)))
        self.query_one("#prompt-template", Static).update(plain(prompt.template))
        self.query_one("#prompt-preview", Static).update(plain(preview_of(prompt, self._user_name)))

    def action_search(self) -> None:
        self.query_one("#prompt-search", Input).focus()

    # -- actions ------------------------------------------------------------------------------------

    @work(group="prompts-use", exclusive=True, exit_on_error=False)
    async def action_use(self) -> None:
        prompt = self.current()
        app = self.workshop_app
        actor = app.actor
        if prompt is None or actor is None:
            return
        render = app.services.knowledge.prompts.render
        text = await self.app.push_screen_wait(PromptFormModal(
            prompt, lambda values: app.call(render(actor, prompt.id, values))))
        if text is not None:
            app.request_chat_with(text)

    def _editor(self, prompt: Prompt | None) -> PromptEditorModal:
        app = self.workshop_app
        actor, service = app.actor, app.services.knowledge.prompts
        assert actor is not None

        async def save(draft: PromptDraft) -> Prompt:
            fields = {"description": draft.description, "tags": draft.tags, "variables": draft.variables}
            if prompt is None:
                return await app.call(service.create(actor, draft.title, draft.template, visibility=draft.visibility,
                                                     **fields))
            shared = {"visibility": draft.visibility} if self._shares else {}
            return await app.call(service.update(actor, prompt.id, title=draft.title, template=draft.template,
                                                 **fields, **shared))

        return PromptEditorModal(save, prompt, may_share=self._shares, user_name=self._user_name)

    @property
    def _shares(self) -> bool:
        user = self.workshop_app.user
        return may_share(user)

    def action_new(self) -> None:
        self.app.push_screen(self._editor(None), self._saved)

    def action_edit(self) -> None:
        prompt = self.current()
        if prompt is not None:
            self.app.push_screen(self._editor(prompt), self._saved)

    def _saved(self, prompt: Prompt | None) -> None:
        if prompt is not None:
            say(self.app, f"Saved “{prompt.title}”.", timeout=4)
            self._select = prompt.id
            self._load()

    @work(group="prompts-delete", exclusive=True, exit_on_error=False)
    async def action_delete(self) -> None:
        prompt = self.current()
        app = self.workshop_app
        if prompt is None or app.actor is None:
            return
        if not await self.app.push_screen_wait(ConfirmModal(f"Delete the prompt “{prompt.title}”?")):
            return
        if await app.guarded(completed(app.services.knowledge.prompts.delete(app.actor, prompt.id)), "Deleting"):
            say(self.app, f"Deleted “{prompt.title}”.", timeout=4)
        self._load()

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Search prompts", "Search titles, tags and text", self.action_search)
        if self.check_action("new", ()):
            yield SystemCommand("New prompt", "Write a new prompt template", self.action_new)
        prompt = self.current()
        if prompt is None:
            return
        yield SystemCommand("Use the prompt in chat", "Fill in the highlighted prompt's variables and open the chat",
                            self.action_use)
        if self.check_action("edit", ()):
            yield SystemCommand("Edit the prompt", "Change the highlighted prompt", self.action_edit)
            yield SystemCommand("Delete the prompt", "Delete the highlighted prompt", self.action_delete)
