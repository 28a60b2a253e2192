"""Reading one mapping of a workshop file key by key, with a type check per key.

Every reader records a problem and returns None (or the default) instead of raising, so one entry
with five mistakes yields five problems. Unknown keys are refused when the entry is opened, with the
closest known key suggested: a typo such as ``pasword`` must not silently become "no password".
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from workshop_tui.services.workshop_file.problems import Problems, join
from workshop_tui.services.workshop_file.values import (
    UNREADABLE,
    control_message,
    describe,
    first_control,
    is_scalar,
)

_WHITESPACE = re.compile(r"\s+")


def suggestion(word: str, options: Sequence[str]) -> str:
    """``; did you mean 'password'?`` when a close match exists, else nothing."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def clean_name(value: str) -> str:
    """The stored form of a name or title: NFC, trimmed, each run of whitespace one space.

    References are compared in this form too, so a title typed with a double space still matches.
    """
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()


def expect_list(value: Any, path: str, problems: Problems, what: str) -> list[Any] | None:
    """``value`` if it is a list; None (with a problem unless already reported) otherwise."""
    if value is UNREADABLE:
        return None
    if not isinstance(value, list):
        problems.add(path, f"expected a list of {what}, got {describe(value)}")
        return None
    return value


class Entry:
    """One mapping (a user, a tool...) read with type checks; problems go to the collector."""

    def __init__(self, value: Any, path: str, problems: Problems, allowed: Sequence[str], *, what: str) -> None:
        self.path = path
        self.problems = problems
        self.valid = isinstance(value, dict)
        self.data: dict[str, Any] = value if isinstance(value, dict) else {}
        if not self.valid and value is not UNREADABLE:
            problems.add(path, f"expected a mapping of {what} settings (key: value lines), got {describe(value)}")
        for key in self.data:
            if key not in allowed:
                problems.add(join(path, key), f"unknown key {key!r} in {what}{suggestion(key, allowed)}",
                             at_key=True)

    def at(self, key: str) -> str:
        return join(self.path, key)

    def has(self, key: str) -> bool:
        """Present with a value (``key:`` with nothing after it counts as absent)."""
        return self.data.get(key) is not None

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def fail(self, key: str, message: str) -> None:
        self.problems.add(self.at(key), message)

    def _missing(self, key: str, required: bool) -> bool:
        """True when there is nothing to read; a required key that is absent is reported here."""
        value = self.data.get(key)
        if value is UNREADABLE:
            return True
        if value is None:
            if required:
                self.fail(key, "is required" if key not in self.data else "needs a value")
            return True
        return False

    def text(self, key: str, *, max_len: int, required: bool = False, multiline: bool = False,
             controls_allowed: bool = False) -> str | None:
        """Text of at most ``max_len`` characters. One-line text is cleaned with :func:`clean_name`;
        control characters are refused (or, for document text, left for the extractor to strip)."""
        if self._missing(key, required):
            return None
        value = self.data[key]
        if not isinstance(value, str):
            hint = "; put it in quotes" if is_scalar(value) else ""
            self.fail(key, f"expected text, got {describe(value)}{hint}")
            return None
        if not controls_allowed and (char := first_control(value, multiline=multiline)) is not None:
            self.fail(key, control_message(char))
            return None
        text = unicodedata.normalize("NFC", value) if multiline else clean_name(value)
        if required and not text.strip():
            self.fail(key, "must not be empty")
            return None
        if len(text) > max_len:
            self.fail(key, f"is {len(text):,} characters long; at most {max_len:,} are allowed")
            return None
        return text

    def integer(self, key: str, *, minimum: int | None = None, maximum: int | None = None,
                required: bool = False) -> int | None:
        if self._missing(key, required):
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected a whole number, got {describe(value)}")
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.fail(key, _range_message(value, minimum, maximum))
            return None
        return value

    def number(self, key: str, *, minimum: float, maximum: float) -> float | None:
        if self._missing(key, False):
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(key, f"expected a number, got {describe(value)}")
            return None
        if not minimum <= value <= maximum:
            self.fail(key, _range_message(value, minimum, maximum))
            return None
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        if self._missing(key, False):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {describe(value)}")
            return default
        return value

    def choice(self, key: str, options: Sequence[str], *, noun: str, default: str | None = None,
               required: bool = False) -> str | None:
        """One of ``options``; the message lists them all, as the organiser needs the exact spelling."""
        if self._missing(key, required):
            return default
        value = self.data[key]
        if not isinstance(value, str):
            self.fail(key, f"expected one of {', '.join(options)}, got {describe(value)}")
            return None
        if value not in options:
            self.fail(key, f"{value!r} is not {noun}; expected one of {', '.join(options)}")  # repr escapes controls
            return None
        return value

    def names(self, key: str, *, max_len: int, max_items: int) -> list[tuple[str, str]] | None:
        """A list of one-line names, each with its own path; None when the key is absent."""
        if self._missing(key, False):
            return None
        items = expect_list(self.data[key], self.at(key), self.problems, "names")
        if items is None:
            return []
        if len(items) > max_items:
            self.fail(key, f"has {len(items)} items; at most {max_items} are allowed")
            return []
        found: list[tuple[str, str]] = []
        for index, item in enumerate(items):
            path = join(self.at(key), index)
            if item is UNREADABLE:
                continue
            if not isinstance(item, str):
                hint = "; put it in quotes" if is_scalar(item) else ""
                self.problems.add(path, f"expected a name, got {describe(item)}{hint}")
            elif (char := first_control(item, multiline=False)) is not None:
                self.problems.add(path, control_message(char))
            elif not clean_name(item):
                self.problems.add(path, "must not be empty")
            elif len(clean_name(item)) > max_len:
                self.problems.add(path, f"is longer than {max_len} characters")
            else:
                found.append((clean_name(item), path))
        return found


def _range_message(value: float, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{value!r} is out of range; expected {minimum} to {maximum}"
    if minimum is not None:
        return f"{value!r} is too small; expected at least {minimum}"
    return f"{value!r} is too large; expected at most {maximum}"
