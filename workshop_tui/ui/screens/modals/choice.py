"""Ask a question with a few answers, each a button; Escape answers None. Shown as plain text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from workshop_tui.ui.text import plain

T = TypeVar("T")


class ChoiceModal(ModalScreen[T | None], Generic[T]):
    CSS_PATH = "choice.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel")]

    def __init__(self, question: str, answers: Sequence[tuple[str, T]], *, title: str = "") -> None:
        super().__init__()
        self._question = question
        self._answers = list(answers)
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            if self._title:
                yield Static(plain(self._title), id="title")
            yield Static(plain(self._question), id="question")
            with Horizontal(id="answers"):
                for index, (label, _value) in enumerate(self._answers):
                    yield Button(plain(label), id=f"answer-{index}", variant="primary" if index == 0 else "default")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed)
    def _answered(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if button.startswith("answer-"):
            self.dismiss(self._answers[int(button.removeprefix("answer-"))][1])

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
