"""An account's model and tool grants as two ticked lists, with a button that posts the choice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Label, SelectionList

from workshop_tui.domain.models import ModelInfo, Tool
from workshop_tui.ui.text import plain


class GrantLists(Vertical):
    DEFAULT_CSS = """
    GrantLists { height: auto; }
    GrantLists Label { color: $text-muted; margin-top: 1; }
    GrantLists SelectionList { height: auto; max-height: 8; }
    GrantLists Button { margin-top: 1; }
    """

    @dataclass
    class Saved(Message):
        model_ids: tuple[int, ...]
        tool_ids: tuple[int, ...]

    def compose(self) -> ComposeResult:
        yield Label("Models")
        yield SelectionList[int](id="grant-models")
        yield Label("Tools")
        yield SelectionList[int](id="grant-tools")
        yield Button("Save grants", id="save-grants", compact=True)

    def show(self, models: Sequence[ModelInfo], tools: Sequence[Tool], granted_models: set[str],
             granted_tools: set[str]) -> None:
        """Tick what is granted (by name, as the grants are listed)."""
        for selector, items, granted in (("#grant-models", models, granted_models),
                                         ("#grant-tools", tools, granted_tools)):
            listing = self.query_one(selector, SelectionList)
            listing.clear_options()
            listing.add_options([(plain(item.name), item.id, item.name in granted) for item in items])

    @on(Button.Pressed, "#save-grants")
    def _save(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Saved(tuple(self.query_one("#grant-models", SelectionList).selected),
                                     tuple(self.query_one("#grant-tools", SelectionList).selected)))
