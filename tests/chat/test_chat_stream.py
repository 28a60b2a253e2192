"""Sending a message: what streams back, what is stored, and what happens when it goes wrong."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import pytest
from chat.conftest import ChatWorld

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.domain.errors import Forbidden, Invalid, NotFound
from workshop_tui.services.chat_events import ContentDelta, ReplyFailed, ReplyFinished
from workshop_tui.storage.repositories.users import UserRepository


async def collect(world: ChatWorld, conversation_id: int, text: str, actor=None) -> list:  # type: ignore[no-untyped-def]
    events = []
    async with aclosing(world.chat.send(actor or world.student, conversation_id, text)) as stream:
        async for event in stream:
            events.append(event)
    return events


async def test_reply_streams_and_is_stored_with_metrics(world: ChatWorld) -> None:
    world.fake.scenario.reply_text = "Ollama runs models on your own machine."
    conversation = await world.chat.create(world.student, "llama3.2:1b", title="First steps")
    events = await asyncio.wait_for(collect(world, conversation.id, "What is Ollama?"), 10)

    deltas = "".join(e.text for e in events if isinstance(e, ContentDelta))
    assert deltas == "Ollama runs models on your own machine."
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert finished.completion_tokens > 0 and finished.prompt_tokens > 0
    stored = await world.chat.messages(world.student, conversation.id)
    assert [(m.role, m.status) for m in stored] == [
        (MessageRole.USER, MessageStatus.COMPLETE), (MessageRole.ASSISTANT, MessageStatus.COMPLETE)]
    assert stored[0].content == "What is Ollama?"
    assert stored[1].content == deltas
    assert stored[1].completion_tokens == finished.completion_tokens
    assert stored[1].total_duration_ns and stored[1].total_duration_ns > 0
    request = world.fake.requests_to("/api/chat")[-1].body
    assert request["options"]["num_ctx"] == 8192
    assert request["messages"][-1] == {"role": "user", "content": "What is Ollama?"}


async def test_mid_stream_error_keeps_the_partial_reply(world: ChatWorld) -> None:
    world.fake.scenario.error_after = 3
    conversation = await world.chat.create(world.student, "llama3.2:1b")
    events = await asyncio.wait_for(collect(world, conversation.id, "Tell me a story"), 10)

    seen = "".join(e.text for e in events if isinstance(e, ContentDelta))
    failed = events[-1]
    assert isinstance(failed, ReplyFailed) and "unexpected EOF" in failed.reason
    reply = (await world.chat.messages(world.student, conversation.id))[-1]
    assert reply.status is MessageStatus.ERROR
    assert reply.content == seen and len(seen) > 0
    assert "unexpected EOF" in (reply.error or "")


async def test_stopping_a_reply_closes_the_connection_and_keeps_what_was_seen(world: ChatWorld) -> None:
    world.fake.reply_tokens = 400
    world.fake.scenario.chunk_delay = 0.02
    conversation = await world.chat.create(world.student, "llama3.2:1b")
    seen = []
    async with aclosing(world.chat.send(world.student, conversation.id, "Count slowly")) as stream:
        async for event in stream:
            if isinstance(event, ContentDelta):
                seen.append(event.text)
            if len(seen) == 5:
                break
    disconnect = await asyncio.to_thread(world.fake.wait_for_disconnect, 5.0)
    assert disconnect is not None and disconnect.path == "/api/chat"
    reply = (await world.chat.messages(world.student, conversation.id))[-1]
    assert reply.status is MessageStatus.INTERRUPTED
    assert reply.content == "".join(seen)


async def test_cancelling_the_task_marks_the_reply_interrupted(world: ChatWorld) -> None:
    world.fake.reply_tokens = 400
    world.fake.scenario.chunk_delay = 0.02
    conversation = await world.chat.create(world.student, "llama3.2:1b")
    started = asyncio.Event()

    async def consume() -> None:
        async with aclosing(world.chat.send(world.student, conversation.id, "Go")) as stream:
            async for event in stream:
                if isinstance(event, ContentDelta):
                    started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(50):  # the final write is shielded and may land just after the cancel
        reply = (await world.chat.messages(world.student, conversation.id))[-1]
        if reply.status is not MessageStatus.STREAMING:
            break
        await asyncio.sleep(0.05)
    assert reply.status is MessageStatus.INTERRUPTED and reply.content


@pytest.mark.parametrize(("status", "fragment"), [(503, "busy"), (404, "not found")])
async def test_ollama_refusals_are_reported_and_stored(world: ChatWorld, status: int, fragment: str) -> None:
    world.fake.script_turn(status=status)
    conversation = await world.chat.create(world.student, "llama3.2:1b")
    events = await asyncio.wait_for(collect(world, conversation.id, "Hello"), 10)
    assert isinstance(events[-1], ReplyFailed) and fragment in events[-1].reason.lower()
    reply = (await world.chat.messages(world.student, conversation.id))[-1]
    assert reply.status is MessageStatus.ERROR and fragment in (reply.error or "").lower()


async def test_history_is_bounded_and_includes_the_system_prompt(world: ChatWorld) -> None:
    world.ctx.settings.ollama.history_max_messages = 3
    conversation = await world.chat.create(world.student, "llama3.2:1b", system_prompt="Answer in French.",
                                           parameters={"temperature": 0.2, "seed": 7})
    for text in ("one", "two", "three"):
        await asyncio.wait_for(collect(world, conversation.id, text), 10)
    body = world.fake.requests_to("/api/chat")[-1].body
    assert body["messages"][0] == {"role": "system", "content": "Answer in French."}
    assert [m["role"] for m in body["messages"][1:]] == ["user", "assistant", "user"]
    assert body["messages"][-1]["content"] == "three"
    assert body["options"] == {"temperature": 0.2, "seed": 7, "num_ctx": 8192}


async def test_model_grant_is_checked_at_every_send(world: ChatWorld) -> None:
    with pytest.raises(Forbidden, match="not allowed to use model gemma3:1b"):
        await world.chat.create(world.student, "gemma3:1b")
    conversation = await world.chat.create(world.student, "llama3.2:1b")
    assert world.student.id is not None
    async with world.ctx.db.transaction() as session:
        await UserRepository(session).set_model_ids(world.student.id, [])
    with pytest.raises(Forbidden, match="not allowed to use model llama3.2:1b"):
        await collect(world, conversation.id, "still there?")  # the old Actor object is re-read
    assert len(world.fake.requests_to("/api/chat")) == 0


async def test_other_users_conversations_stay_hidden(world: ChatWorld) -> None:
    conversation = await world.chat.create(world.student, "llama3.2:1b")
    with pytest.raises(NotFound):
        await world.chat.messages(world.other, conversation.id)
    with pytest.raises(NotFound):
        await collect(world, conversation.id, "hijack", actor=world.other)
    with pytest.raises(Invalid, match="parameters.temperature: must be between 0 and 2"):
        await world.chat.create(world.student, "llama3.2:1b", parameters={"temperature": 9})


async def request_reached_ollama(world: ChatWorld) -> None:
    """Wait (at most 5 s) until the fake has received a chat request: a store that fails this wait
    was not overlapped with the request."""
    async def arrived() -> None:
        while not world.fake.requests_to("/api/chat"):
            await asyncio.sleep(0.01)

    await asyncio.wait_for(arrived(), 5)


async def test_nothing_is_shown_before_the_question_is_stored(
        world: ChatWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request to Ollama leaves while the question is written; the reply waits for the write."""
    conversation = await world.chat.create(world.student, "llama3.2:1b")
    real_store = world.chat._store_question
    stored_before_first_event = []

    async def slow_store(*args, **kwargs):  # type: ignore[no-untyped-def]
        await request_reached_ollama(world)  # the write is held until Ollama has the request
        await real_store(*args, **kwargs)

    monkeypatch.setattr(world.chat, "_store_question", slow_store)
    async with aclosing(world.chat.send(world.student, conversation.id, "Stored first?")) as stream:
        async for _event in stream:
            if not stored_before_first_event:
                messages = await world.chat.messages(world.student, conversation.id)
                stored_before_first_event.append([m.content for m in messages if m.role is MessageRole.USER])
    assert stored_before_first_event == [["Stored first?"]]
    assert world.fake.requests_to("/api/chat"), "the request went out"


async def test_a_question_that_cannot_be_stored_fails_the_turn_and_closes_the_stream(
        world: ChatWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    world.fake.reply_tokens = 400
    world.fake.scenario.chunk_delay = 0.02
    conversation = await world.chat.create(world.student, "llama3.2:1b")

    async def failing_store(*args, **kwargs):  # type: ignore[no-untyped-def]
        await request_reached_ollama(world)  # the reply is streaming by now
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(world.chat, "_store_question", failing_store)
    events = []
    with pytest.raises(RuntimeError, match="the disk is full"):
        async with aclosing(world.chat.send(world.student, conversation.id, "Lost?")) as stream:
            async for event in stream:
                events.append(event)
    assert events == [], "nothing is shown for a turn that was not stored"
    disconnect = await asyncio.to_thread(world.fake.wait_for_disconnect, 5.0)
    assert disconnect is not None and disconnect.path == "/api/chat"
    assert await world.chat.messages(world.student, conversation.id) == []
