"""Small vocabulary shared by the parsers and the section checks: the "already reported" marker,
how a value is named in a message, and the rules for control characters.

Messages name what was found the way an organiser reads the file (``a number (42)``, ``true/false``,
``a list``), because YAML turns unquoted ``yes``, ``1.10`` or ``2024-05-01`` into something other
than text and the fix is almost always to add quotes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, Final


class _Unreadable:
    """A value whose problem was already reported where it was read; checks skip it silently."""

    _instance: _Unreadable | None = None

    def __new__(cls) -> _Unreadable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNREADABLE"


UNREADABLE: Final = _Unreadable()

_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NAMES: Final = {
    0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x09: "TAB", 0x0A: "LF", 0x0D: "CR", 0x1B: "ESC", 0x7F: "DEL",
    0x90: "DCS", 0x9B: "CSI", 0x9C: "ST", 0x9D: "OSC",
}


def describe_char(char: str) -> str:
    """``U+001B (ESC)``: how a control character is named in a message (never the raw character)."""
    code = ord(char)
    name = _NAMES.get(code)
    return f"U+{code:04X} ({name})" if name else f"U+{code:04X}"


def first_control(text: str, *, multiline: bool) -> str | None:
    """The first control character in ``text``; tab and newline are allowed in multi-line text."""
    found = (_CONTROL_IN_TEXT if multiline else _CONTROL).search(text)
    return found.group() if found else None


def control_message(char: str) -> str:
    return (f"contains the control character {describe_char(char)}; names and text in a workshop file may not "
            "contain control characters or terminal escape sequences")


def describe(value: Any, *, show: bool = True) -> str:
    """What a YAML value turned out to be, for "expected X, got Y" messages; ``show=False`` leaves
    the value itself out (for passwords)."""
    if not show:
        return describe(value).split(" (", 1)[0]
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({'true' if value else 'false'})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 and first_control(value, multiline=False) is None else ""
        return f"text ({shown!r})" if shown else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bytes):
        return "binary data"
    return type(value).__name__


def is_scalar(value: Any) -> bool:
    return not isinstance(value, list | dict)


def as_utc(when: datetime) -> datetime:
    """A time in UTC; one without a zone is taken as UTC already (SQLite hands times back without it)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
