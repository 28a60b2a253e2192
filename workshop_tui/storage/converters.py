"""Row → domain conversion, driven by the domain dataclass's own fields and types.

A domain field takes the row attribute of the same name; enum fields are converted from their
stored string, and JSON lists become tuples so that the frozen objects are truly read-only.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


@cache
def _field_kinds(cls: type) -> tuple[tuple[str, type | None, bool], ...]:
    hints = typing.get_type_hints(cls)
    kinds = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        is_union = typing.get_origin(hint) in (typing.Union, types.UnionType)
        args = [a for a in typing.get_args(hint) if a is not type(None)] if is_union else [hint]
        enum_type = next((a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)), None)
        is_tuple = any(typing.get_origin(a) is tuple or a is tuple for a in args)
        kinds.append((f.name, enum_type, is_tuple))
    return tuple(kinds)


def to_domain(cls: type[T], row: Any, **extra: Any) -> T:
    """Build `cls` from the same-named attributes of `row`; `extra` supplies or overrides fields."""
    values: dict[str, Any] = {}
    for name, enum_type, is_tuple in _field_kinds(cls):
        if name in extra:
            values[name] = extra[name]
            continue
        if not hasattr(row, name):
            continue
        value = getattr(row, name)
        if value is not None and enum_type is not None:
            value = enum_type(value)
        elif value is not None and is_tuple and isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return cls(**values)
