"""Create or edit a prompt: title, description, tags, visibility (for those who may share), the
template in a TextArea, its typed variables, and a live preview rendered with sample values.

The form checks what it can as it is typed (the template against its variables, the tags), and
saving goes through the prompts service, whose `Invalid` is shown beside the field it names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import Prompt
from workshop_tui.domain.templates import BUILTIN_VARIABLES, TemplateVariable, find_variables
from workshop_tui.services.prompts import clean_tags, variables_of
from workshop_tui.ui.forms import (
    chosen_visibility,
    clear_errors,
    set_error,
    show_invalid,
    submit,
    visibility_field,
    without_field,
)
from workshop_tui.ui.prompt_samples import preview
from workshop_tui.ui.screens.modals.editor import EditorModal
from workshop_tui.ui.screens.modals.prompt_variable import VariableModal, describe_variable
from workshop_tui.ui.text import plain

FIELDS = ("title", "description", "tags", "visibility", "template", "variables")


@dataclass
class PromptDraft:
    title: str
    template: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    variables: list[TemplateVariable] = field(default_factory=list)
    visibility: Visibility = Visibility.PRIVATE


Save = Callable[[PromptDraft], Awaitable[Prompt]]


class PromptEditorModal(EditorModal[Prompt]):
    CSS_PATH = "prompt_editor.tcss"
    AUTO_FOCUS = "#title"

    def __init__(self, save: Save, prompt: Prompt | None = None, *, may_share: bool, user_name: str) -> None:
        super().__init__()
        self._save_draft = save
        self._prompt = prompt
        self._may_share = may_share
        self._user_name = user_name
        self.variables: list[TemplateVariable] = variables_of(prompt) if prompt else []

    def heading(self) -> str:
        return f"Edit “{self._prompt.title}”" if self._prompt else "New prompt"

    def compose_fields(self) -> ComposeResult:
        prompt = self._prompt
        yield Label("Title")
        yield Input(prompt.title if prompt else "", id="title", max_length=200, compact=True)
        yield Static("", id="title-error", classes="error")
        yield Label("Description (optional)")
        yield Input(prompt.description if prompt else "", id="description", compact=True)
        yield Static("", id="description-error", classes="error")
        with Horizontal(id="tags-row"):
            with Vertical():
                yield Label("Tags, separated by commas")
                yield Input(", ".join(prompt.tags) if prompt else "", id="tags", compact=True)
            with Vertical(id="visibility-box"):
                yield Label("Visibility")
                yield visibility_field(prompt.visibility if prompt else Visibility.PRIVATE, self._may_share,
                                       "private; instructors share")
        yield Static("", id="tags-error", classes="error")
        yield Static("", id="visibility-error", classes="error")
        with Horizontal(id="template-row"):
            with Vertical(id="template-box"):
                yield Label("Template: {{name}} marks a variable")
                yield TextArea(prompt.template if prompt else "", id="template", soft_wrap=True)
            with Vertical(id="preview-box"):
                yield Label("Preview with sample values")
                with VerticalScroll(id="preview-scroll"):
                    yield Static("", id="preview")
        with Horizontal(id="template-actions"):
            yield Static(f"Built in: {', '.join(f'{{{{{n}}}}}' for n in BUILTIN_VARIABLES)}", classes="hint")
            yield Button("Declare the variables it uses", id="declare", compact=True)
        yield Static("", id="template-error", classes="error")
        yield Label("Variables")
        yield OptionList(id="variables")
        with Horizontal(classes="row-buttons"):
            yield Button("Add", id="add-variable", compact=True)
            yield Button("Edit", id="edit-variable", compact=True)
            yield Button("Remove", id="remove-variable", compact=True)
        yield Static("", id="variables-error", classes="error")
        yield Static("", id="problem", classes="error")

    def on_mount(self) -> None:
        self._show_variables()
        self._preview()

    # -- the variables ------------------------------------------------------------------------------

    def _show_variables(self) -> None:
        options = self.query_one("#variables", OptionList)
        options.clear_options()
        options.add_options([Option(plain(describe_variable(v)), id=v.name) for v in self.variables])
        if not self.variables:
            options.add_option(Option(plain("none yet: add one, or declare those the template uses"),
                                      id="", disabled=True))
        self._preview()

    def _selected(self) -> int | None:
        index = self.query_one("#variables", OptionList).highlighted
        return index if index is not None and index < len(self.variables) else None

    @on(Button.Pressed, "#add-variable")
    def _add(self) -> None:
        self.app.push_screen(VariableModal(), self._variable_done(None))

    @on(Button.Pressed, "#edit-variable")
    @on(OptionList.OptionSelected, "#variables")
    def _edit(self) -> None:
        index = self._selected()
        if index is not None:
            self.app.push_screen(VariableModal(self.variables[index]), self._variable_done(index))

    def _variable_done(self, index: int | None) -> Callable[[TemplateVariable | None], None]:
        def done(variable: TemplateVariable | None) -> None:
            if variable is None:
                return
            others = [v.name for i, v in enumerate(self.variables) if i != index]
            if variable.name in others:
                set_error(self, "variables-error", f"{variable.name} is declared already")
                return
            if index is None:
                self.variables.append(variable)
            else:
                self.variables[index] = variable
            set_error(self, "variables-error", "")
            self._show_variables()
        return done

    @on(Button.Pressed, "#remove-variable")
    def _remove(self) -> None:
        index = self._selected()
        if index is not None:
            del self.variables[index]
            self._show_variables()

    @on(Button.Pressed, "#declare")
    def _declare(self) -> None:
        try:
            used = find_variables(self.query_one("#template", TextArea).text)
        except Invalid as exc:
            set_error(self, "template-error", without_field(exc))
            return
        known = {v.name for v in self.variables} | set(BUILTIN_VARIABLES)
        self.variables.extend(TemplateVariable(name, required=True) for name in used if name not in known)
        self._show_variables()

    # -- checking as it is typed --------------------------------------------------------------------

    @on(TextArea.Changed, "#template")
    def _preview(self) -> None:
        text = self.query_one("#template", TextArea).text
        shown = self.query_one("#preview", Static)
        try:
            rendered = preview(text, self.variables, self._user_name)
        except Invalid as exc:
            set_error(self, "template-error", without_field(exc))
            shown.update(plain("(the preview appears once the template and its variables agree)"))
            return
        set_error(self, "template-error", "")
        shown.update(plain(rendered or "(empty)"))

    @on(Input.Changed, "#tags")
    def _tags_changed(self, event: Input.Changed) -> None:
        try:
            clean_tags(_split(event.value))
        except Invalid as exc:
            set_error(self, "tags-error", without_field(exc))
        else:
            set_error(self, "tags-error", "")

    @on(Input.Changed, "#title")
    def _title_changed(self, event: Input.Changed) -> None:
        set_error(self, "title-error", "" if event.value.strip() else "give the prompt a title")

    # -- saving -------------------------------------------------------------------------------------

    def draft(self) -> PromptDraft:
        return PromptDraft(
            title=self.query_one("#title", Input).value, template=self.query_one("#template", TextArea).text,
            description=self.query_one("#description", Input).value, tags=_split(self.query_one("#tags", Input).value),
            variables=list(self.variables),
            visibility=chosen_visibility(self))

    def action_save(self) -> None:
        self._save(self.draft())

    @work(group="prompt-save", exclusive=True, exit_on_error=False)
    async def _save(self, draft: PromptDraft) -> None:
        clear_errors(self, [*(f"{name}-error" for name in FIELDS), "problem"])
        routes = {name: f"{name}-error" for name in FIELDS} | {v.name: "variables-error" for v in self.variables}

        def beside(exc: Invalid) -> None:  # an undeclared placeholder names no field: it is the template's
            show_invalid(self, exc, routes, "template-error" if exc.field is None else "problem")

        saved = await submit(self, self._save_draft(draft), on_invalid=beside, conflict="title-error")
        if saved is not None:
            self.dismiss(saved)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
