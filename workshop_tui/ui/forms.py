"""Inline form errors: a service's `Invalid` names a field, and the message goes beside it.

Each field has an error line under it (a `Static` with an id), shown only while it has something
to say, so an empty form takes no room for errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Select, Static

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Conflict, Invalid, NotAuthenticated, ServiceError
from workshop_tui.ui.text import plain

T = TypeVar("T")


def without_field(exc: Invalid) -> str:
    """The message without the 'field: ' the error starts with (it is shown beside the field)."""
    return str(exc).removeprefix(f"{exc.field}: ") if exc.field else str(exc)


def route(field: str | None, routes: Mapping[str, str], fallback: str) -> str:
    """The error widget for `field`: the route of the field itself or of its nearest parent
    ('config.entries' goes to 'config' unless 'config.entries' has its own), else `fallback`."""
    name = field or ""
    while name:
        if name in routes:
            return routes[name]
        name = name.rpartition(".")[0]
    return fallback


def show_invalid(form: DOMNode, exc: Invalid, routes: Mapping[str, str], fallback: str) -> str:
    """Clear every error line of `routes` (and `fallback`), then put `exc` beside its field.
    Returns the id of the line used, so the caller may focus the field."""
    clear_errors(form, [*routes.values(), fallback])
    target = route(exc.field, routes, fallback)
    set_error(form, target, without_field(exc) if target != fallback else str(exc))
    return target


def set_error(form: DOMNode, error_id: str, text: str) -> None:
    """Show `text` (literally) on the error line `error_id`, or hide the line when it is empty."""
    line = form.query_one(f"#{error_id}", Static)
    line.update(plain(text))
    line.display = bool(text)
    if text:
        line.call_after_refresh(line.scroll_visible, animate=False)


def clear_errors(form: DOMNode, ids: list[str]) -> None:
    for error_id in dict.fromkeys(ids):
        set_error(form, error_id, "")


def visibility_field(current: Visibility, may_share: bool, note: str = "private") -> Widget:
    """A choice of visibility for those who may share; for everyone else, a note that it stays private."""
    if not may_share:
        return Static(plain(note), id="visibility", classes="muted")
    return Select([(v.value, v) for v in Visibility], value=current, allow_blank=False, id="visibility")


def chosen_visibility(form: DOMNode) -> Visibility:
    """What the `visibility_field` of `form` says."""
    field = form.query_one("#visibility")
    return Visibility(field.value) if isinstance(field, Select) and field.value is not Select.NULL \
        else Visibility.PRIVATE


async def submit(form: DOMNode, work: Awaitable[T], *, on_invalid: Callable[[Invalid], object],
                 conflict: str, problem: str = "problem") -> T | None:
    """Await a form's save: an `Invalid` goes to `on_invalid` (beside its field), a `Conflict` (a
    name taken) to the error line `conflict`, any other refusal to `problem`; a session the services
    no longer honour is signed out. Returns what was saved, or None."""
    try:
        return await work
    except Invalid as exc:
        on_invalid(exc)
    except Conflict as exc:
        set_error(form, conflict, str(exc))
    except NotAuthenticated as exc:
        form.app.request_sign_out(str(exc))  # type: ignore[attr-defined]
    except ServiceError as exc:
        set_error(form, problem, str(exc))
    return None


def show_problem(form: DOMNode, error: ServiceError, beside: Mapping[str, str], general: str = "#problem") -> None:
    """Put `error` under the field it names (`beside`: field name → the selector of its line, which
    stays in place even when empty), else on `general`."""
    clear_problems(form, beside, general)
    field = error.field if isinstance(error, Invalid) else None
    target = beside.get(field, general) if field else general
    text = without_field(error) if target != general and isinstance(error, Invalid) else str(error)
    form.query_one(target, Static).update(plain(text))


def clear_problems(form: DOMNode, beside: Mapping[str, str], general: str = "#problem") -> None:
    for selector in {*beside.values(), general}:
        for widget in form.query(selector):
            if isinstance(widget, Static):
                widget.update("")
