"""The tool loop: an allowed call, a refused tool, bad arguments and the round limit."""

from __future__ import annotations

import asyncio

import pytest
from chat.conftest import ChatWorld
from chat.test_chat_stream import collect

from workshop_tui.domain.enums import MessageRole
from workshop_tui.domain.errors import Forbidden
from workshop_tui.services.chat_events import ReplyFinished, ToolActivity


async def test_allowed_tool_call_runs_and_the_answer_follows(world: ChatWorld) -> None:
    world.fake.script_turn(tool_calls=[{"name": "calc", "arguments": {"expression": "6 * 7"}}])
    world.fake.script_turn(content="The answer is 42.")
    conversation = await world.chat.create(world.student, "llama3.2:1b", tool_ids=[world.calc_tool_id])
    events = await asyncio.wait_for(collect(world, conversation.id, "What is 6 times 7?"), 10)

    activity = [e for e in events if isinstance(e, ToolActivity)]
    assert [(a.name, a.status, a.result) for a in activity] == [("calc", "calling", None), ("calc", "done", "42")]
    assert isinstance(events[-1], ReplyFinished) and events[-1].message.content == "The answer is 42."
    first, second = world.fake.requests_to("/api/chat")[-2:]
    assert first.body["tools"][0]["function"]["name"] == "calc"
    assert second.body["messages"][-1] == {"role": "tool", "content": "42", "tool_name": "calc"}
    stored = await world.chat.messages(world.student, conversation.id)
    assert [m.role for m in stored] == [MessageRole.USER, MessageRole.ASSISTANT, MessageRole.TOOL,
                                        MessageRole.ASSISTANT]
    assert stored[1].tool_calls and stored[1].tool_calls[0]["arguments"] == {"expression": "6 * 7"}
    assert stored[2].tool_name == "calc" and stored[2].content == "42"


async def test_refused_and_invalid_calls_go_back_to_the_model_as_errors(world: ChatWorld) -> None:
    world.fake.script_turn(tool_calls=[{"name": "shell", "arguments": {"cmd": "rm -rf /"}},
                                       {"name": "calc", "arguments": {"expression": "1", "extra": True}}])
    world.fake.script_turn(content="Sorry, I cannot do that.")
    conversation = await world.chat.create(world.student, "llama3.2:1b", tool_ids=[world.calc_tool_id])
    events = await asyncio.wait_for(collect(world, conversation.id, "Delete everything"), 10)

    results = [(e.name, e.status, e.result) for e in events if isinstance(e, ToolActivity) and e.status != "calling"]
    assert results[0][:2] == ("shell", "refused") and "no tool named 'shell'" in (results[0][2] or "")
    assert results[1][:2] == ("calc", "refused") and "arguments.extra" in (results[1][2] or "")
    assert isinstance(events[-1], ReplyFinished)
    tool_messages = world.fake.requests_to("/api/chat")[-1].body["messages"][-2:]
    assert all(m["role"] == "tool" and m["content"].startswith("error:") for m in tool_messages)


async def test_ungranted_tool_cannot_be_attached(world: ChatWorld) -> None:
    with pytest.raises(Forbidden, match="not allowed to use tool clock"):
        await world.chat.create(world.student, "llama3.2:1b", tool_ids=[world.clock_tool_id])


async def test_round_limit_forces_an_answer_without_tools(world: ChatWorld) -> None:
    for _ in range(2):  # tool_max_rounds is 2 in this world
        world.fake.script_turn(tool_calls=[{"name": "calc", "arguments": {"expression": "1 + 1"}}])
    world.fake.script_turn(content="Done calculating.")
    conversation = await world.chat.create(world.student, "llama3.2:1b", tool_ids=[world.calc_tool_id])
    events = await asyncio.wait_for(collect(world, conversation.id, "Loop forever"), 10)

    requests = world.fake.requests_to("/api/chat")[-3:]
    assert ["tools" in r.body for r in requests] == [True, True, False]
    assert isinstance(events[-1], ReplyFinished) and events[-1].message.content == "Done calculating."
