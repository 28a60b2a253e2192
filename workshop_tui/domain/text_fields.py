"""The checks every free-text field passes at the service boundary, before it is stored.

Names, titles, notes, reasons and descriptions are shown in other people's terminals, so they are
cleaned with the one cleaner of `domain/text.py` (escape sequences and control characters go) and
held to a length cap. A text over its cap is refused with the field and the cap named, never cut
silently: the person typing can shorten it themselves. Values that must not change meaning (an
email address, a stop sequence) are refused outright when they carry terminal controls, instead
of being altered. Chat messages and model output are not free-text fields: they are stored as
written and cleaned where they are shown.
"""

from __future__ import annotations

from typing import Any

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.text import normalize_text, one_line, strip_terminal_controls


def _too_long(field: str, max_len: int) -> Invalid:
    return Invalid(f"must be at most {max_len:,} characters", field=field)


def one_line_text(value: str | None, field: str, max_len: int) -> str:
    """One line of text without terminal controls, possibly empty, at most ``max_len`` characters."""
    text = one_line(str(value or ""), max_len + 1)
    if len(text) > max_len:
        raise _too_long(field, max_len)
    return text


def clean_name(value: str | None, field: str, max_len: int) -> str:
    """A one-line, non-empty, length-capped name or title (it appears in lists and headers)."""
    text = one_line_text(value, field, max_len)
    if not text:
        raise Invalid("must not be empty", field=field)
    return text


def bounded_text(value: str | None, field: str, max_len: int) -> str:
    """Free text that keeps its lines (descriptions, templates, notes), without terminal controls."""
    text = normalize_text(str(value or ""))
    if len(text) > max_len:
        raise _too_long(field, max_len)
    return text


def has_terminal_controls(text: str) -> bool:
    """True when ``text`` holds an escape sequence or a control character other than newline and tab."""
    return strip_terminal_controls(text) != text


def clean_strings(value: Any) -> Any:
    """``value`` with every string inside it (keys included) cleaned, lines kept: for settings a
    person types in as a mapping, such as a tool's config."""
    if isinstance(value, str):
        return normalize_text(value)
    if isinstance(value, dict):
        return {clean_strings(k): clean_strings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_strings(v) for v in value]
    return value
