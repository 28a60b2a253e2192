"""What staff see being generated: each reply's wait, its tokens so far, and the failures, as the
chat service reports them while replies stream from the fake Ollama."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

from chat.conftest import ChatWorld

from workshop_tui.services.chat_events import ContentDelta, ReplyFailed, ReplyFinished


async def test_a_stream_shows_its_tokens_so_far_and_leaves_when_done(world: ChatWorld) -> None:
    world.fake.scenario.chunk_delay = 0.02
    world.fake.reply_tokens = 40
    tracker = world.chat.activity
    conversation = await world.chat.create(world.student, "llama3.2:1b")
    seen: list[int] = []
    async with aclosing(world.chat.send(world.student, conversation.id, "Hello")) as events:
        async for event in events:
            if isinstance(event, ContentDelta):
                [generation] = tracker.generations()
                assert (generation.username, generation.model, generation.running) == ("sam", "llama3.2:1b", True)
                assert generation.host == world.fake.url
                seen.append(generation.tokens)
            if isinstance(event, ReplyFinished):
                break
    assert seen[0] >= 1 and seen[-1] > seen[0] and seen == sorted(seen)
    assert tracker.generations() == [] and tracker.errors() == []


async def test_a_waiting_reply_shows_its_place_and_wait(world: ChatWorld) -> None:
    world.fake.scenario.chunk_delay = 0.01
    world.fake.script_turn(first_byte_delay=0.6)  # the first reply holds the only slot a while
    tracker = world.chat.activity
    first = await world.chat.create(world.student, "llama3.2:1b")
    second = await world.chat.create(world.other, "llama3.2:1b")

    async def run(actor, conversation_id: int) -> None:  # type: ignore[no-untyped-def]
        async with aclosing(world.chat.send(actor, conversation_id, "Hi")) as events:
            async for _ in events:
                pass

    tasks = [asyncio.create_task(run(world.student, first.id))]
    for _ in range(200):
        if tracker.generations():
            break
        await asyncio.sleep(0.01)
    tasks.append(asyncio.create_task(run(world.other, second.id)))
    for _ in range(200):
        waiting = [g for g in tracker.generations() if not g.running]
        if waiting:
            break
        await asyncio.sleep(0.01)
    [waiting_one] = waiting
    assert (waiting_one.username, waiting_one.position) == ("olga", 0)
    await asyncio.wait_for(asyncio.gather(*tasks), 20)
    assert tracker.generations() == []


async def test_a_failed_reply_is_listed_among_recent_errors(world: ChatWorld) -> None:
    world.fake.scenario.error_after = 3
    conversation = await world.chat.create(world.student, "llama3.2:1b")
    async with aclosing(world.chat.send(world.student, conversation.id, "Hello")) as events:
        failures = [event async for event in events if isinstance(event, ReplyFailed)]
    assert failures
    [error] = world.chat.activity.errors()
    assert error.where == f"sam · llama3.2:1b · {world.fake.url}" and error.user_id == world.student.id
    assert world.chat.activity.generations() == []
