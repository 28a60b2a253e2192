"""Showing a service's refusal beside the form field it names.

Services raise `Invalid(message, field=...)`; a form maps those field names to the one-line
`Static` below each field, and anything else goes to the form's general problem line."""

from __future__ import annotations

from collections.abc import Mapping

from textual.dom import DOMNode
from textual.widgets import Static

from workshop_tui.domain.errors import Invalid, ServiceError
from workshop_tui.ui.text import plain


def field_message(error: ServiceError) -> str:
    """The refusal without the field's name in front (the field is next to it)."""
    text = str(error)
    field = getattr(error, "field", None)
    return text.removeprefix(f"{field}: ") if isinstance(error, Invalid) and field else text


def show_problem(form: DOMNode, error: ServiceError, beside: Mapping[str, str], general: str = "#problem") -> None:
    """Put `error` under the field it names (`beside`: field name → selector), else on `general`."""
    clear_problems(form, beside, general)
    field = getattr(error, "field", None)
    target = beside.get(field, general) if isinstance(error, Invalid) and field else general
    text = field_message(error) if target != general else str(error)
    form.query_one(target, Static).update(plain(text))


def clear_problems(form: DOMNode, beside: Mapping[str, str], general: str = "#problem") -> None:
    for selector in {*beside.values(), general}:
        for widget in form.query(selector):
            if isinstance(widget, Static):
                widget.update("")
