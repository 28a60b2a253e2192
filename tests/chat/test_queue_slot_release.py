"""Every way out of a queued chat turn gives the host's slot back.

One attendee streams while another waits for the only slot. Whatever ends the waiting turn (the
stop key closing its stream, a dropped connection cancelling its task, at any point of the wait,
including the instant its turn is granted), the queue must end empty and the host idle, so that
the next request is served at once instead of waiting at "Queued(0)" for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from chat.conftest import ChatWorld

from workshop_tui.services.chat_events import ChatEvent, ContentDelta, Queued, ReplyFinished


async def _wait_until(condition, what: str, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


async def _finish(events: AsyncIterator[ChatEvent]) -> list[ChatEvent]:
    return [event async for event in events]


async def _assert_idle_and_serving(world: ChatWorld) -> None:
    host = world.fake.url
    queue = world.gateway.queue
    await _wait_until(lambda: queue.running(host) == 0 and queue.waiting(host) == 0, "an idle host")
    assert world.gateway.pool.in_flight(host) == 0
    conversation = await world.chat.create(world.other, "llama3.2:1b")
    events = await asyncio.wait_for(_finish(world.chat.send(world.other, conversation.id, "next")), 10)
    assert not any(isinstance(e, Queued) and e.position > 0 for e in events)
    assert isinstance(events[-1], ReplyFinished)
    assert queue.running(host) == 0 and queue.waiting(host) == 0


async def _start_holder(world: ChatWorld) -> tuple[asyncio.Task[list[ChatEvent]], asyncio.Event]:
    """The student's first turn holds the slot until `release` is set."""
    release = asyncio.Event()
    world.fake.reply_tokens = 3
    world.fake.scenario.chunk_delay = 0.0
    conversation = await world.chat.create(world.student, "llama3.2:1b")

    async def hold() -> list[ChatEvent]:
        events = world.chat.send(world.student, conversation.id, "hold the slot")
        seen = [await anext(events)]  # the first content: the slot is ours
        await release.wait()
        return seen + await _finish(events)

    task = asyncio.create_task(hold())
    await _wait_until(lambda: world.gateway.queue.running(world.fake.url) == 1, "the holder to run")
    return task, release


async def test_closing_a_queued_turn_the_instant_it_is_granted_frees_the_slot(world: ChatWorld) -> None:
    holder, release = await _start_holder(world)
    conversation = await world.chat.create(world.other, "llama3.2:1b")
    waiter = world.chat.send(world.other, conversation.id, "waiting")
    first = await asyncio.wait_for(anext(waiter), 10)
    assert first == Queued(0)
    release.set()  # the holder finishes; the waiter's turn is granted while its stream sits unread
    await asyncio.wait_for(holder, 10)
    await _wait_until(lambda: world.gateway.queue.waiting(world.fake.url) == 0, "the grant")
    await waiter.aclose()  # the stop key, before the waiter read another event
    await _assert_idle_and_serving(world)


@pytest.mark.parametrize("events_before_close", [1, 2, 3])
async def test_closing_a_queued_turn_at_each_event_frees_the_slot(world: ChatWorld, events_before_close: int) -> None:
    holder, release = await _start_holder(world)
    conversation = await world.chat.create(world.other, "llama3.2:1b")
    waiter = world.chat.send(world.other, conversation.id, "waiting")
    seen = [await asyncio.wait_for(anext(waiter), 10)]
    release.set()
    while len(seen) < events_before_close:
        seen.append(await asyncio.wait_for(anext(waiter), 10))
    await waiter.aclose()
    await asyncio.wait_for(holder, 10)
    assert isinstance(seen[0], Queued)
    await _assert_idle_and_serving(world)


# Cancel the waiter's task after these many turns of the event loop from the moment the holder is
# released: together they land before, at and after the grant and the first streamed chunk. On a
# busy machine the chunks come later (the fake answers over a real socket), so the last point
# (None) waits for the first chunk itself.
LOOP_TURNS: list[int | None] = [0, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 60, None]


async def test_cancelling_a_queued_turn_at_many_points_frees_the_slot(world: ChatWorld) -> None:
    outcomes: set[str] = set()
    for turns in LOOP_TURNS:
        holder, release = await _start_holder(world)
        conversation = await world.chat.create(world.other, "llama3.2:1b")
        seen: list[ChatEvent] = []

        async def wait_in_queue(conversation_id: int = conversation.id, seen: list[ChatEvent] = seen) -> None:
            async for event in world.chat.send(world.other, conversation_id, "waiting"):
                seen.append(event)

        waiter = asyncio.create_task(wait_in_queue())
        await _wait_until(lambda seen=seen: bool(seen), "the waiter to queue")
        release.set()
        if turns is None:
            await _wait_until(lambda seen=seen: any(isinstance(e, ContentDelta) for e in seen), "a chunk")
        for _ in range(turns or 0):
            await asyncio.sleep(0)
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(waiter, 10)
        await asyncio.wait_for(holder, 10)
        outcomes.add("streamed" if any(isinstance(e, ContentDelta) for e in seen) else "queued")
        await _assert_idle_and_serving(world)
    assert outcomes == {"queued", "streamed"}, outcomes  # the sweep reached both sides of the grant
