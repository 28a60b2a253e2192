"""A dialog of labelled fields that says what is wrong beside the field it is about.

Each field's problem shows beneath it: as it is typed (the subclass's `problem()` check, the same
rules the service applies) and when the service answers (an `Invalid` names its field; a problem
about no field shows at the bottom). Subclasses compose their fields with `field()`, read them in
`values()`, and make the service call in `save()`, whose result the dialog returns.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, SelectionList, Static, TextArea

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Invalid, NotAuthenticated, ServiceError
from workshop_tui.ui.text import plain

T = TypeVar("T")
VISIBILITY_HINTS = {
    Visibility.PRIVATE: "only you (and admins)",
    Visibility.CLASS: "everyone in the class except guests",
    Visibility.PUBLIC: "everyone, guests included",
}


def problem_text(error: Invalid) -> str:
    """An Invalid's message without its 'field: ' prefix (it is shown beside the field)."""
    return str(error).removeprefix(f"{error.field}: ") if error.field else str(error)


def visibility_select(choices: list[Visibility], value: Visibility = Visibility.PRIVATE) -> Select[str]:
    return Select([(plain(f"{v.value} — {VISIBILITY_HINTS[v]}"), v.value) for v in choices], id="visibility",
                  allow_blank=False, value=value.value if value in choices else choices[0].value, compact=True)


class FormModal(ModalScreen[T | None], Generic[T]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel", tooltip="Close without saving"),
                Binding("ctrl+s", "save", "Save", id="form.save", tooltip="Check the fields and save")]
    ALIASES: ClassVar[dict[str, str]] = {}
    """The service's name for a field → the form's, where they differ."""
    SAVE_LABEL = "Save"

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title
        self._hints: dict[str, str] = {}

    # -- composing -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """The title, the fields (scrolling when they do not fit), then what went wrong and the buttons,
        which stay in view."""
        with Vertical(id="dialog"):
            yield Static(plain(self._title), id="form-title")
            with VerticalScroll(id="fields"):
                yield from self.fields()
            yield Static("", id="problem")
            with Horizontal(id="buttons"):
                yield Button(plain(self.SAVE_LABEL), id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def fields(self) -> ComposeResult:
        """The form's fields, each through `field()`."""
        yield from ()

    def on_mount(self) -> None:
        # Focusing the first field before the first layout may scroll its label out of view.
        self.call_after_refresh(self.query_one("#fields", VerticalScroll).scroll_home, animate=False)

    def field(self, name: str, label: str, widget: Widget, hint: str = "") -> ComposeResult:
        """A label, the field's widget (whose id must be `name`) and a line for its hint or problem."""
        self._hints[name] = hint
        yield Label(plain(label), classes="field-label")
        yield widget
        yield Static(plain(hint), id=f"hint-{name}", classes="hint")

    # -- what subclasses give ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def problem(self, name: str, values: dict[str, Any]) -> str | None:
        """What is wrong with one field as it stands, or None."""
        return None

    def hint(self, name: str) -> str:
        """What the line beneath a field says while nothing is wrong with it."""
        return self._hints[name]

    def warns(self, name: str) -> bool:
        """Whether that line is a warning (the field's value has consequences worth a second look)."""
        return False

    async def save(self, values: dict[str, Any]) -> T | None:
        """Make the service call; return the result (None keeps the dialog open, saying why itself)."""
        raise NotImplementedError

    # -- problems ------------------------------------------------------------------------------------

    def show_problem(self, name: str | None, problem: str | None) -> None:
        """Put `problem` beside field `name` (or at the bottom when no field of this form has that name)."""
        name = self.ALIASES.get(name or "", name)
        if name is None or name not in self._hints:
            self._say(problem or "")
            return
        hint = self.query_one(f"#hint-{name}", Static)
        hint.update(plain(problem or self.hint(name)))
        hint.set_class(problem is not None, "problem")
        hint.set_class(problem is None and self.warns(name), "warning")
        self.query_one(f"#{name}").set_class(problem is not None, "invalid")

    def _say(self, text: str) -> None:
        self.query_one("#problem", Static).update(plain(text))

    def _check(self, name: str | None) -> None:
        if name in self._hints:
            self.show_problem(name, self.problem(name, self.values()))

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        self._check(event.input.id)

    @on(TextArea.Changed)
    def _text_changed(self, event: TextArea.Changed) -> None:
        self._check(event.text_area.id)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        self._check(event.select.id)

    @on(SelectionList.SelectedChanged)
    def _ticked(self, event: SelectionList.SelectedChanged[Any]) -> None:
        self._check(event.selection_list.id)

    # -- saving --------------------------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = self.values()
        problems = {name: self.problem(name, values) for name in self._hints}
        for name, problem in problems.items():
            self.show_problem(name, problem)
        first = next((name for name, problem in problems.items() if problem), None)
        if first is not None:
            self.query_one(f"#{first}").focus()
            self._say("Check the fields marked in red.")
            return
        self._say("Saving…")
        self._save(values)

    @work(group="form-save", exclusive=True, exit_on_error=False)
    async def _save(self, values: dict[str, Any]) -> None:
        try:
            result = await self.save(values)
        except Invalid as exc:
            self._say("")
            self.show_problem(exc.field, problem_text(exc))
            return
        except NotAuthenticated as exc:
            self.dismiss(None)
            self.app.request_sign_out(str(exc))  # type: ignore[attr-defined]
            return
        except ServiceError as exc:
            self._say(str(exc))
            return
        if result is not None:
            self.dismiss(result)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
