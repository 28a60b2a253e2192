"""The vetted tools: what a model's call produces, and how hostile calls are refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from workshop_tui.domain.enums import AccountStatus, Role, ToolKind, Visibility
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import Tool, User
from workshop_tui.services.access import Actor
from workshop_tui.services.tools import calculator, units
from workshop_tui.services.tools.kinds import KINDS, ToolRuntime
from workshop_tui.services.tools.runner import ollama_tool_definition, run_tool_call


def student(tool_ids: set[int]) -> Actor:
    user = User(id=7, username="sam", display_name="Sam", role=Role.STUDENT, status=AccountStatus.ACTIVE)
    return Actor(user=user, tool_ids=frozenset(tool_ids))


def make_tool(tool_id: int, kind: ToolKind, name: str, config: dict[str, Any] | None = None) -> Tool:
    return Tool(id=tool_id, name=name, kind=kind, config=config or {}, visibility=Visibility.CLASS, creator_id=1)


TOOLS = {
    "calc": make_tool(1, ToolKind.CALCULATOR, "calc"),
    "clock": make_tool(2, ToolKind.DATETIME, "clock"),
    "convert": make_tool(3, ToolKind.UNIT_CONVERSION, "convert"),
    "glossary": make_tool(4, ToolKind.LOOKUP_TABLE, "glossary",
                          {"entries": {"RAG": "retrieval-augmented generation", "LLM": "large language model"}}),
    "search": make_tool(5, ToolKind.VECTOR_SEARCH, "search", {"vector_db_id": 9}),
}


async def call(name: str, arguments: Any, *, allowed: set[int] | None = None, runtime: ToolRuntime | None = None):
    actor = student({1, 2, 3, 4, 5} if allowed is None else allowed)
    return await run_tool_call(actor, TOOLS, name, arguments, runtime or ToolRuntime(), timeout_s=2)


@pytest.mark.parametrize(("expression", "value"), [
    ("2 + 3 * 4", 14), ("(2 + 3) * 4", 20), ("2 ** 10", 1024), ("2^10", 1024), ("7 // 2", 3),
    ("-3 + abs(-5)", 2), ("round(sqrt(16))", 4), ("max(1, 9, 3)", 9),
])
def test_calculator_computes(expression: str, value: float) -> None:
    assert calculator.evaluate(expression) == value


@pytest.mark.parametrize(("expression", "fragment"), [
    ("__import__('os').system('id')", "not allowed"), ("open('/etc/passwd')", "not allowed"),
    ("(1).__class__", "not allowed"), ("9 ** 9 ** 9", "exponent"), ("1 / 0", "division by zero"),
    ("x + 1", "not allowed"), ("2 +", "not an arithmetic expression"), ("1" * 300, "longer than"),
    ("lambda: 1", "not allowed"), ("[1, 2]", "not allowed"),
])
def test_calculator_refuses(expression: str, fragment: str) -> None:
    with pytest.raises(Invalid, match=fragment):
        calculator.evaluate(expression)


def test_unit_conversion() -> None:
    assert units.convert(100, "C", "F") == 212
    assert units.convert(1, "mile", "km") == pytest.approx(1.609344)
    assert units.convert(2, "GiB", "MiB") == 2048
    with pytest.raises(Invalid, match="different things"):
        units.convert(1, "kg", "km")
    with pytest.raises(Invalid, match="unknown unit 'furlongz'"):
        units.convert(1, "furlongz", "m")


async def test_allowed_calls_return_results() -> None:
    assert (await call("calc", {"expression": "6 * 7"})).content == "42"
    assert (await call("convert", {"value": 3, "from_unit": "ft", "to_unit": "in"})).content == "3 ft = 36 in"
    assert (await call("glossary", {"key": "rag"})).content == "retrieval-augmented generation"
    missing = await call("glossary", {"key": "LLMs"})
    assert missing.ok and "close matches: LLM" in missing.content
    clock = await call("clock", {"timezone": "Asia/Tokyo"})
    assert clock.ok and "Asia/Tokyo, UTC+0900" in clock.content


async def test_refusals_come_back_as_error_results() -> None:
    not_granted = await call("calc", {"expression": "1+1"}, allowed={2})
    assert not not_granted.ok and "not allowed to use tool calc" in not_granted.content
    unknown = await call("shell", {"cmd": "rm -rf /"})
    assert not unknown.ok and "no tool named 'shell'" in unknown.content
    extra = await call("calc", {"expression": "1", "cmd": "id"})
    assert not extra.ok and "arguments.cmd: is not an argument" in extra.content
    wrong_type = await call("convert", {"value": "ten", "from_unit": "m", "to_unit": "ft"})
    assert not wrong_type.ok and "arguments.value: expected a number" in wrong_type.content
    missing = await call("convert", {"value": 1})
    assert not missing.ok and "arguments.from_unit: is required" in missing.content
    huge = await call("glossary", {"key": "x" * 5000})
    assert not huge.ok and "larger than 4096 bytes" in huge.content
    not_object = await call("calc", "6*7")
    assert not not_object.ok and "JSON object" in not_object.content
    bad_zone = await call("clock", {"timezone": "Mars/Olympus"})
    assert not bad_zone.ok and "unknown time zone" in bad_zone.content


async def test_slow_tool_is_cut_off() -> None:
    async def slow_search(db: int, query: str, top_k: int) -> list[dict[str, Any]]:
        await asyncio.sleep(10)
        return []

    actor = student({5})
    outcome = await run_tool_call(actor, TOOLS, "search", {"query": "x"}, ToolRuntime(search=slow_search), 0.2)
    assert not outcome.ok and "longer than 0.2 s" in outcome.content


async def test_vector_search_formats_hits_and_passes_its_config() -> None:
    seen: list[tuple[int, str, int]] = []

    async def search(db: int, query: str, top_k: int) -> list[dict[str, Any]]:
        seen.append((db, query, top_k))
        return [{"title": "Intro", "location": "Install, chars 0–90", "text": "Run ollama serve."}]

    outcome = await call("search", {"query": "how to start", "top_k": 2}, runtime=ToolRuntime(search=search))
    assert seen == [(9, "how to start", 2)]
    assert outcome.content == "[1] Intro (Install, chars 0–90): Run ollama serve."


def test_every_kind_has_a_valid_definition_for_ollama() -> None:
    for kind, spec in KINDS.items():
        definition = ollama_tool_definition(make_tool(1, kind, f"t_{kind.value}"))
        assert definition["type"] == "function"
        assert definition["function"]["parameters"]["type"] == "object"
        assert spec.description
