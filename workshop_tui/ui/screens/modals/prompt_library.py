"""The prompt library, opened with `/` in an empty composer: search the prompts you may use and
pick one. Its title, tags and description are shown as plain text."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from workshop_tui.domain.models import Prompt
from workshop_tui.ui.text import plain


class PromptLibraryModal(ModalScreen[Prompt | None]):
    DEFAULT_CSS = """
    PromptLibraryModal { align: center middle; }
    PromptLibraryModal #dialog { width: 80; height: 24; padding: 1 2; border: round $primary; background: $surface; }
    PromptLibraryModal #title { text-style: bold; color: $primary; }
    PromptLibraryModal Input { margin: 1 0; background: $boost; }
    PromptLibraryModal OptionList { height: 1fr; border: none; }
    PromptLibraryModal #empty { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel"),
                Binding("down", "next", "Next", show=False)]

    def __init__(self, prompts: Sequence[Prompt]) -> None:
        super().__init__()
        self._prompts = list(prompts)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Prompt library", id="title")
            yield Input(placeholder="Search by title, tag or text", id="search", compact=True)
            yield OptionList(id="prompts")
            if not self._prompts:
                yield Static(plain("No prompts yet: instructors share them from the Prompts screen."), id="empty")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        words = query.lower().split()
        shown = [p for p in self._prompts if all(
            w in f"{p.title} {' '.join(p.tags)} {p.description} {p.template}".lower() for w in words)]
        options = self.query_one("#prompts", OptionList)
        options.clear_options()
        for prompt in shown:
            tags = f"  [{', '.join(prompt.tags)}]" if prompt.tags else ""
            detail = f"\n  {prompt.description}" if prompt.description else ""
            options.add_option(Option(plain(f"{prompt.title}{tags}{detail}"), id=str(prompt.id)))
        if shown:
            options.highlighted = 0

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#search")
    def _pick_highlighted(self) -> None:
        options = self.query_one("#prompts", OptionList)
        if options.highlighted is not None:
            self._pick(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#prompts")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def _pick(self, option_id: str | None) -> None:
        chosen = next((p for p in self._prompts if str(p.id) == option_id), None)
        if chosen is not None:
            self.dismiss(chosen)

    def action_next(self) -> None:
        self.query_one("#prompts", OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
