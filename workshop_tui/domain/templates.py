"""Prompt templates with ``{{name}}`` placeholders, rendered by a deliberately tiny renderer.

Instructors write templates and attendees fill them in, so neither side may run code: there is no
template engine, no expressions, no filters, no attribute access, only named placeholders that are
replaced once, left to right. A value is inserted literally, so a value that itself contains
``{{other}}`` stays as typed instead of being expanded.

Every placeholder must be declared as a :class:`TemplateVariable` (or be one of the built-ins the
app supplies), and every error names the variable it concerns so the form can point at it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final

from workshop_tui.domain.errors import Invalid

VARIABLE_TYPES: Final[tuple[str, ...]] = ("text", "multiline", "number", "choice", "boolean")
"""The kinds of input a variable asks for; the form picks its widget from this."""

BUILTIN_VARIABLES: Final[tuple[str, ...]] = ("user_name", "date", "time")
"""Placeholders the app fills itself; templates may use them without declaring them."""

MAX_VALUE_CHARS: Final = 20_000
"""Longest value accepted for one variable, so a pasted book cannot blow up a prompt."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})

Value = str | int | float | bool


@dataclass(frozen=True)
class TemplateVariable:
    """A declared placeholder: what the form asks for and how its value is checked."""

    name: str
    type: str = "text"
    default: Value | None = None
    required: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        """Refuse declarations that could never render, so mistakes show when a template is saved."""
        if not _NAME.fullmatch(self.name):
            raise Invalid("use letters, digits and underscores, not starting with a digit", field=self.name)
        if self.name in BUILTIN_VARIABLES:
            raise Invalid("is a built-in variable supplied by the app; choose another name", field=self.name)
        if self.type not in VARIABLE_TYPES:
            raise Invalid(f"type {self.type!r} is not one of {', '.join(VARIABLE_TYPES)}", field=self.name)
        if self.type == "choice" and not self.choices:
            raise Invalid("a choice variable needs at least one choice", field=self.name)
        if self.type != "choice" and self.choices:
            raise Invalid("only choice variables take choices", field=self.name)
        if len(set(self.choices)) != len(self.choices):
            raise Invalid("choices must not repeat", field=self.name)
        if self.default is not None:
            coerce_value(self, self.default)


@dataclass(frozen=True)
class _Placeholder:
    start: int
    end: int
    name: str


def _placeholders(template: str) -> list[_Placeholder]:
    """Every ``{{ name }}`` in order; raises Invalid on an unclosed or badly named placeholder."""
    found: list[_Placeholder] = []
    position = 0
    while (start := template.find("{{", position)) != -1:
        close = template.find("}}", start + 2)
        if close == -1:
            raise Invalid(f"'{{{{' at character {start} is never closed with '}}}}'", field="template")
        name = template[start + 2 : close].strip()
        if not _NAME.fullmatch(name):
            shown = template[start : close + 2]
            raise Invalid(
                f"{shown!r} is not a valid placeholder; names use letters, digits and underscores",
                field="template",
            )
        found.append(_Placeholder(start, close + 2, name))
        position = close + 2
    return found


def find_variables(template: str) -> list[str]:
    """Names used by ``template``, in order of first use, each once."""
    return list(dict.fromkeys(p.name for p in _placeholders(template)))


def check_template(template: str, variables: Sequence[TemplateVariable]) -> None:
    """Raise Invalid unless every placeholder is well formed and declared (or built in)."""
    declared: set[str] = set()
    for variable in variables:
        if variable.name in declared:
            raise Invalid("is declared twice", field=variable.name)
        declared.add(variable.name)
    missing = [n for n in find_variables(template) if n not in declared and n not in BUILTIN_VARIABLES]
    if missing:
        listed = " and ".join(", ".join(f"{{{{{n}}}}}" for n in missing).rsplit(", ", 1))
        verb = "is" if len(missing) == 1 else "are"
        raise Invalid(f"template uses {listed}, which {verb} not declared")


def coerce_value(variable: TemplateVariable, value: Value) -> str:
    """Check ``value`` against the variable's type and return the text that gets inserted."""
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        raise Invalid(f"is longer than {MAX_VALUE_CHARS} characters", field=variable.name)
    kind = variable.type
    if kind in ("text", "multiline"):
        if not isinstance(value, str):
            raise Invalid("must be text", field=variable.name)
        if kind == "text" and ("\n" in value or "\r" in value):
            raise Invalid("must be a single line", field=variable.name)
        return value
    if kind == "number":
        return _number(variable.name, value)
    if kind == "boolean":
        return "true" if _boolean(variable.name, value) else "false"
    text = value if isinstance(value, str) else str(value)
    if text not in variable.choices:
        raise Invalid(f"must be one of {', '.join(variable.choices)}, not {text!r}", field=variable.name)
    return text


def _number(name: str, value: Value) -> str:
    """Integers stay integers ("3", not "3.0"); NaN and infinities are refused."""
    if isinstance(value, bool):
        raise Invalid("must be a number", field=name)
    if isinstance(value, int):
        return str(value)
    number: float
    if isinstance(value, str):
        text = value.strip()
        try:
            return str(int(text))
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            raise Invalid(f"must be a number, not {value!r}", field=name) from None
    else:
        number = value
    if not math.isfinite(number):
        raise Invalid("must be a finite number", field=name)
    return str(int(number)) if number.is_integer() else repr(number)


def _boolean(name: str, value: Value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid(f"must be true/false, yes/no or 1/0, not {value!r}", field=name)


def _builtin_values(builtins: Mapping[str, object] | None) -> dict[str, str]:
    """Text for the built-ins; date and time default to now, user_name to an empty string."""
    given = dict(builtins or {})
    unknown = set(given) - set(BUILTIN_VARIABLES)
    if unknown:
        raise ValueError(f"not built-in variables: {', '.join(sorted(unknown))}")
    now = datetime.now()
    result = {"user_name": "", "date": now.date().isoformat(), "time": now.strftime("%H:%M")}
    for key, value in given.items():
        if isinstance(value, datetime):
            result[key] = value.date().isoformat() if key == "date" else value.strftime("%H:%M")
        elif isinstance(value, date):
            result[key] = value.isoformat()
        elif isinstance(value, time):
            result[key] = value.strftime("%H:%M")
        else:
            result[key] = str(value)
    return result


def render(
    template: str,
    variables: Sequence[TemplateVariable],
    values: Mapping[str, Value | None],
    *,
    builtins: Mapping[str, object] | None = None,
) -> str:
    """Fill ``template`` with checked ``values``, defaults and built-ins, in a single pass.

    Unknown names are refused (a typo should not vanish silently), as is a required variable with no
    value. An absent, ``None`` or empty-string value falls back to the default; an optional
    variable without a default renders as an empty string.
    """
    check_template(template, variables)
    by_name = {v.name: v for v in variables}
    for name in values:
        if name in BUILTIN_VARIABLES:
            raise Invalid("is supplied by the app and cannot be set", field=name)
        if name not in by_name:
            raise Invalid("is not a variable of this template", field=name)
    filled = _builtin_values(builtins)
    for variable in variables:
        value = values.get(variable.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            value = variable.default
        if value is None:
            if variable.required:
                raise Invalid("is required", field=variable.name)
            filled[variable.name] = ""
        else:
            filled[variable.name] = coerce_value(variable, value)
    parts: list[str] = []
    position = 0
    for placeholder in _placeholders(template):
        parts.append(template[position : placeholder.start])
        parts.append(filled[placeholder.name])
        position = placeholder.end
    parts.append(template[position:])
    return "".join(parts)
