"""A reply still marked "streaming" when the process stopped: the next start of the process that owns
the database keeps it as interrupted, with its text and the reason, in the listing and the history."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest
from chat.conftest import ChatWorld

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, MessageRole, MessageStatus, Role
from workshop_tui.services.access import Actor
from workshop_tui.services.actors import load_actor
from workshop_tui.services.chat_events import ReplyFinished
from workshop_tui.services.chat_recorder import ReplyRecorder
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.testing.fake_ollama import FakeOllama

TIMEOUT = 30.0
MODEL = "llama3.2:1b"
PARTIAL = "Tea grows best on misty hillsides, where the"


async def open_workshop(settings: Settings, *, owner: bool) -> Workshop:
    return await asyncio.wait_for(Workshop.open(settings, run_jobs=owner), TIMEOUT)


async def student(workshop: Workshop, fake: FakeOllama) -> Actor:
    async with workshop.ctx.db.transaction() as session:
        model = await ModelRepository(session).upsert(MODEL, capabilities=["completion"], hosts=[fake.url])
        users = UserRepository(session)
        user = await users.add(username="sam", display_name="Sam", role=Role.STUDENT, status=AccountStatus.ACTIVE,
                               password_hash=None)
        await users.set_model_ids(user.id, [model.id])
    async with workshop.ctx.db.reading() as session:
        return await load_actor(session, user.id)


async def conversation_cut_mid_reply(settings: Settings, fake: FakeOllama) -> tuple[Actor, int]:
    """A conversation whose last reply was being written when the process died: its row still says
    streaming and holds what had been flushed."""
    workshop = await open_workshop(settings, owner=True)
    try:
        sam = await student(workshop, fake)
        conversation = await workshop.chat.create(sam, MODEL, title="Tea")
        async with workshop.ctx.db.transaction() as session:
            repo = ConversationRepository(session)
            await repo.add_message(conversation.id, MessageRole.USER.value, "Where does tea grow?")
            await repo.add_message(conversation.id, MessageRole.ASSISTANT.value, PARTIAL,
                                   status=MessageStatus.STREAMING.value, model=MODEL)
    finally:
        await workshop.close()
    return sam, conversation.id


async def test_a_reply_cut_by_a_crash_is_kept_as_interrupted_at_the_next_start(
        settings: Settings, fake: FakeOllama) -> None:
    settings.ollama.urls = [fake.url]
    sam, conversation_id = await conversation_cut_mid_reply(settings, fake)

    workshop = await open_workshop(settings, owner=True)
    try:
        messages = await workshop.chat.messages(sam, conversation_id)
        reply = messages[-1]
        assert (reply.role, reply.status, reply.content) == (MessageRole.ASSISTANT, MessageStatus.INTERRUPTED, PARTIAL)
        assert reply.error == "the server stopped while this reply was being written"

        fake.scenario.reply_text = "Mostly in the mountains."
        async with aclosing(workshop.chat.send(sam, conversation_id, "And which country grows most?")) as events:
            finished = [e async for e in events][-1]
        assert isinstance(finished, ReplyFinished)
        sent = fake.requests_to("/api/chat")[-1].body["messages"]
        assert [(m["role"], m["content"]) for m in sent] == [
            ("user", "Where does tea grow?"), ("assistant", PARTIAL), ("user", "And which country grows most?")]
        statuses = [m.status for m in await workshop.chat.messages(sam, conversation_id)]
        assert statuses == [MessageStatus.COMPLETE, MessageStatus.INTERRUPTED, MessageStatus.COMPLETE,
                            MessageStatus.COMPLETE]
    finally:
        await workshop.close()


async def test_a_short_command_leaves_a_streaming_reply_to_the_process_writing_it(
        settings: Settings, fake: FakeOllama) -> None:
    """A command run beside the server (health, import) does not own the database: a reply streaming
    there may still be written, so it is left alone."""
    settings.ollama.urls = [fake.url]
    sam, conversation_id = await conversation_cut_mid_reply(settings, fake)

    workshop = await open_workshop(settings, owner=False)
    try:
        reply = (await workshop.chat.messages(sam, conversation_id))[-1]
        assert (reply.status, reply.content, reply.error) == (MessageStatus.STREAMING, PARTIAL, None)
    finally:
        await workshop.close()


async def test_a_final_write_that_fails_after_its_stream_closed_is_logged(
        world: ChatWorld, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stop key closed the stream; the final write goes on alone. When it fails (the database
    refused it), the log says which reply, instead of an unretrieved task's warning at exit."""
    conversation = await world.chat.create(world.student, "llama3.2:1b")
    recorder = ReplyRecorder(world.ctx.db, conversation.id, "llama3.2:1b")
    await recorder.start()
    recorder.add("half a repl", "")

    @contextlib.asynccontextmanager
    async def refused() -> AsyncIterator[None]:
        raise RuntimeError("database is locked")
        yield

    monkeypatch.setattr(world.ctx.db, "transaction", refused)  # the database refuses the final write
    with caplog.at_level(logging.ERROR):
        task = recorder.finishing(MessageStatus.INTERRUPTED, error="stopped")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(task), 10)
    assert task.exception() is not None
    assert f"the final write of reply {recorder.message_id} failed" in caplog.text
