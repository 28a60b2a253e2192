"""The vetted built-in tool kinds. A Tool resource is a named instance of one kind with a config;
no tool code is ever uploaded, edited or run from the database.

Each kind has the JSON schema of its arguments (sent to the model and enforced on every call), the
schema of its config (checked when a tool is created), and an implementation.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workshop_tui.domain.enums import ToolKind
from workshop_tui.domain.errors import Invalid
from workshop_tui.services.tools import calculator, units

# Called by the vector-search kind: (vector_db_id, query, top_k) → hits as plain dicts. The chat
# service supplies it bound to the acting user, so the search is authorized like any other.
SearchFunction = Callable[[int, str, int], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class ToolRuntime:
    search: SearchFunction | None = None


Implementation = Callable[[dict[str, Any], dict[str, Any], ToolRuntime], Awaitable[str]]


@dataclass(frozen=True)
class ToolKindSpec:
    kind: ToolKind
    title: str
    description: str
    parameters: dict[str, Any]
    config_schema: dict[str, Any]
    run: Implementation


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


async def _calculate(args: dict[str, Any], _config: dict[str, Any], _rt: ToolRuntime) -> str:
    return str(calculator.evaluate(args["expression"]))


async def _now(args: dict[str, Any], config: dict[str, Any], _rt: ToolRuntime) -> str:
    name = args.get("timezone") or config.get("default_timezone") or "UTC"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone {name!r}; use an IANA name like Europe/Paris", field="timezone") from None
    now = datetime.now(zone)
    return f"{now:%A %d %B %Y, %H:%M:%S} ({name}, UTC{now:%z})"


async def _convert(args: dict[str, Any], _config: dict[str, Any], _rt: ToolRuntime) -> str:
    result = units.convert(float(args["value"]), args["from_unit"], args["to_unit"])
    return f"{args['value']} {args['from_unit']} = {result:g} {args['to_unit']}"


async def _lookup(args: dict[str, Any], config: dict[str, Any], _rt: ToolRuntime) -> str:
    entries: dict[str, str] = config.get("entries", {})
    key = args["key"]
    if not config.get("case_sensitive", False):
        folded = {k.casefold(): v for k, v in entries.items()}
        if key.casefold() in folded:
            return str(folded[key.casefold()])
    elif key in entries:
        return str(entries[key])
    close = difflib.get_close_matches(key, list(entries), n=3)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    return f"no entry for {key!r}{hint}"


async def _search(args: dict[str, Any], config: dict[str, Any], runtime: ToolRuntime) -> str:
    if runtime.search is None:
        return "vector search is not available in this conversation"
    hits = await runtime.search(int(config["vector_db_id"]), args["query"], int(args.get("top_k", 4)))
    if not hits:
        return "no matching passages"
    return "\n\n".join(f"[{i}] {h.get('title', '')} ({h.get('location', '')}): {h.get('text', '')}"
                       for i, h in enumerate(hits, start=1))


KINDS: dict[ToolKind, ToolKindSpec] = {
    spec.kind: spec
    for spec in [
        ToolKindSpec(
            ToolKind.CALCULATOR, "Calculator", "Evaluate an arithmetic expression exactly.",
            _object({"expression": {"type": "string", "maxLength": calculator.MAX_EXPRESSION,
                                    "description": "e.g. (3 + 4) * 2 ** 5 / sqrt(2)"}}, ["expression"]),
            _object({}, []), _calculate),
        ToolKindSpec(
            ToolKind.DATETIME, "Date and time", "Get the current date and time in a time zone.",
            _object({"timezone": {"type": "string", "maxLength": 64,
                                  "description": "IANA time zone such as Europe/Paris; default UTC"}}, []),
            _object({"default_timezone": {"type": "string", "maxLength": 64}}, []), _now),
        ToolKindSpec(
            ToolKind.UNIT_CONVERSION, "Unit conversion", "Convert a value between units of the same kind.",
            _object({"value": {"type": "number"},
                     "from_unit": {"type": "string", "maxLength": 16, "description": "e.g. km, lb, F, GiB"},
                     "to_unit": {"type": "string", "maxLength": 16}}, ["value", "from_unit", "to_unit"]),
            _object({}, []), _convert),
        ToolKindSpec(
            ToolKind.LOOKUP_TABLE, "Lookup table", "Look up a value by key in a fixed table.",
            _object({"key": {"type": "string", "maxLength": 200}}, ["key"]),
            _object({"entries": {"type": "object", "additionalProperties": True, "maxProperties": 10_000},
                     "case_sensitive": {"type": "boolean"}}, ["entries"]), _lookup),
        ToolKindSpec(
            ToolKind.VECTOR_SEARCH, "Search a vector DB", "Search the workshop's documents for passages.",
            _object({"query": {"type": "string", "maxLength": 1000},
                     "top_k": {"type": "integer", "minimum": 1, "maximum": 20}}, ["query"]),
            _object({"vector_db_id": {"type": "integer", "minimum": 1}}, ["vector_db_id"]), _search),
    ]
}


def spec_for(kind: ToolKind | str) -> ToolKindSpec:
    try:
        return KINDS[ToolKind(kind)]
    except ValueError:
        raise Invalid(f"{kind!r} is not a tool kind; expected one of {', '.join(k.value for k in ToolKind)}",
                      field="kind") from None
