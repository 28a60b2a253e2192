"""Fair sharing of one Ollama slot between attendees, seen through the chat service."""

from __future__ import annotations

import asyncio

from chat.conftest import ChatWorld

from workshop_tui.services.chat_events import Queued, ReplyFinished
from workshop_tui.services.chat_history import build_history


async def _send(world: ChatWorld, actor, conversation_id: int, text: str, seen: list) -> None:  # type: ignore[no-untyped-def]
    async for event in world.chat.send(actor, conversation_id, text):
        if isinstance(event, Queued):
            seen.append((text, event.position))
        if isinstance(event, ReplyFinished):
            return


async def test_one_user_with_ten_requests_cannot_starve_another(world: ChatWorld) -> None:
    world.fake.reply_tokens = 5
    world.fake.scenario.chunk_delay = 0.01
    world.fake.script_turn(first_byte_delay=1.0)  # A's first request holds the slot while the rest queue
    assert world.gateway.queue.capacity(world.fake.url) == 1
    positions: list = []
    a_conversations = [await world.chat.create(world.student, "llama3.2:1b") for _ in range(10)]
    b_conversation = await world.chat.create(world.other, "llama3.2:1b")
    a_tasks = [asyncio.create_task(_send(world, world.student, c.id, f"A{i}", positions))
               for i, c in enumerate(a_conversations)]
    for _ in range(300):  # B asks once A's ten requests are all in (one running, nine waiting)
        if world.gateway.queue.waiting(world.fake.url) == 9:
            break
        await asyncio.sleep(0.01)
    assert world.gateway.queue.waiting(world.fake.url) == 9
    b_task = asyncio.create_task(_send(world, world.other, b_conversation.id, "B", positions))
    await asyncio.wait_for(asyncio.gather(*a_tasks, b_task), 30)

    served = [r.body["messages"][-1]["content"] for r in world.fake.requests_to("/api/chat")]
    assert sorted(served) == sorted([f"A{i}" for i in range(10)] + ["B"])
    assert "B" in served[:2], served
    assert world.fake.max_in_flight == 1
    waiting_a = [p for text, p in positions if text == "A9"]
    assert waiting_a and max(waiting_a) >= 1 and waiting_a[-1] < max(waiting_a)  # A9 saw its place move up


def test_history_never_starts_with_an_orphaned_tool_result() -> None:
    from workshop_tui.domain.enums import MessageRole
    from workshop_tui.domain.models import Message

    prior = [
        Message(id=1, conversation_id=1, role=MessageRole.USER, content="q"),
        Message(id=2, conversation_id=1, role=MessageRole.ASSISTANT, content="",
                tool_calls=({"name": "calc", "arguments": {}},)),
        Message(id=3, conversation_id=1, role=MessageRole.TOOL, content="2", tool_name="calc"),
        Message(id=4, conversation_id=1, role=MessageRole.ASSISTANT, content="It is 2."),
        Message(id=5, conversation_id=1, role=MessageRole.USER, content="next"),
    ]
    history = build_history(prior, max_messages=3, max_chars=10_000)
    assert [m["role"] for m in history] == ["assistant", "user"]
