"""RAG through the chat service: an answer grounded in the right chunks, with its citations,
follow-up turns that retrieve again, and the vector-search tool on the same retrieval."""

from __future__ import annotations

from contextlib import aclosing

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import ToolKind, Visibility
from workshop_tui.domain.errors import Forbidden
from workshop_tui.services.chat_events import ReplyFinished, ToolActivity
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import CHAT, MINILM, TIMEOUT, bounded, embed, make_people

PORT_DOC = "# Networking\n\nOllama listens on port 11434 on the local machine by default."
FRUIT_DOC = "# Fruit\n\nBananas are yellow and grow in bunches on large plants."


async def events_of(stream) -> list:  # type: ignore[no-untyped-def]
    async with aclosing(stream) as events:
        return [event async for event in events]


@pytest.fixture
async def workshop(settings: Settings, fake: FakeOllama):  # type: ignore[no-untyped-def]
    settings.ollama.urls = [fake.url]
    opened = await Workshop.open(settings, run_jobs=True)
    await opened.store.wait_ready(TIMEOUT)
    try:
        yield opened
    finally:
        await opened.close()


async def test_ask_answers_from_the_chunk_that_holds_the_answer(workshop: Workshop, fake: FakeOllama) -> None:
    k = workshop.knowledge
    people = await make_people(workshop.ctx.db)
    teacher = people.teacher
    port = await k.documents.import_text(teacher, "Networking notes", PORT_DOC, visibility=Visibility.CLASS)
    fruit = await k.documents.import_text(teacher, "Fruit notes", FRUIT_DOC, visibility=Visibility.CLASS)
    vdb = await k.vector_dbs.create(teacher, "course", MINILM, visibility=Visibility.CLASS)
    for doc in (port, fruit):
        await embed(k, teacher, doc.id, vdb.id)
    rag = await k.rag.create(teacher, "Course helper", CHAT, vdb.id, top_k=1, visibility=Visibility.CLASS)
    fake.scenario.reply_text = "It listens on port 11434."

    events = await bounded(events_of(workshop.chat.ask(people.alice, rag.id, "Which port does Ollama listen on?")))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert [c["document_title"] for c in finished.citations] == ["Networking notes"]
    assert finished.message.citations and finished.message.citations[0]["document_id"] == port.id
    sent = fake.requests_to("/api/chat")[-1].body["messages"][-1]["content"]
    assert "11434" in sent and "Bananas" not in sent and "Which port does Ollama listen on?" in sent

    conversation_id = finished.message.conversation_id
    follow_up = await bounded(events_of(workshop.chat.send(people.alice, conversation_id, "What colour are bananas?")))
    assert [c["document_title"] for c in follow_up[-1].citations] == ["Fruit notes"]
    stored = await workshop.chat.messages(people.alice, conversation_id)
    assert [m.content for m in stored if m.role.value == "user"] == [
        "Which port does Ollama listen on?", "What colour are bananas?"]  # the question, not the filled prompt


async def test_ask_needs_the_model_as_well_as_the_rag_system(workshop: Workshop) -> None:
    k = workshop.knowledge
    people = await make_people(workshop.ctx.db)
    vdb = await k.vector_dbs.create(people.teacher, "shared", MINILM, visibility=Visibility.CLASS)
    rag = await k.rag.create(people.teacher, "Shared helper", CHAT, vdb.id, visibility=Visibility.CLASS)
    with pytest.raises(Forbidden, match="not allowed to use model"):
        await events_of(workshop.chat.ask(people.carol, rag.id, "hello?"))  # carol has no model grants


async def test_vector_search_tool_uses_the_same_retrieval(workshop: Workshop, fake: FakeOllama) -> None:
    k = workshop.knowledge
    people = await make_people(workshop.ctx.db)
    port = await k.documents.import_text(people.teacher, "Networking notes", PORT_DOC, visibility=Visibility.CLASS)
    vdb = await k.vector_dbs.create(people.teacher, "course", MINILM, visibility=Visibility.CLASS)
    await embed(k, people.teacher, port.id, vdb.id)
    tool = await workshop.tools.create(people.teacher, "course_search", ToolKind.VECTOR_SEARCH,
                                       config={"vector_db_id": vdb.id}, visibility=Visibility.CLASS)
    assert people.alice.id is not None
    async with workshop.ctx.db.transaction() as session:
        await UserRepository(session).set_tool_ids(people.alice.id, [tool.id])
    conversation = await workshop.chat.create(people.alice, CHAT, tool_ids=[tool.id])
    fake.script_turn(tool_calls=[{"name": "course_search", "arguments": {"query": "Ollama port", "top_k": 1}}])
    fake.script_turn(content="Port 11434.")

    events = await bounded(events_of(workshop.chat.send(people.alice, conversation.id, "Search the notes")))

    result = next(e for e in events if isinstance(e, ToolActivity) and e.status == "done")
    assert "Networking notes" in (result.result or "") and "11434" in (result.result or "")
    assert isinstance(events[-1], ReplyFinished) and events[-1].message.content == "Port 11434."


async def test_the_vector_dbs_embedding_model_needs_a_grant_too(workshop: Workshop) -> None:
    k = workshop.knowledge
    people = await make_people(workshop.ctx.db)
    doc = await k.documents.import_text(people.teacher, "Networking notes", PORT_DOC, visibility=Visibility.CLASS)
    vdb = await k.vector_dbs.create(people.teacher, "course", MINILM, visibility=Visibility.CLASS)
    await embed(k, people.teacher, doc.id, vdb.id)
    rag = await k.rag.create(people.teacher, "Course helper", CHAT, vdb.id, visibility=Visibility.CLASS)
    assert people.alice.id is not None
    async with workshop.ctx.db.transaction() as session:  # alice keeps the chat model, loses the embedding one
        chat_model = await ModelRepository(session).get_by_name(CHAT)
        assert chat_model is not None
        await UserRepository(session).set_model_ids(people.alice.id, [chat_model.id])
    with pytest.raises(Forbidden, match="not allowed to use model all-minilm"):
        await k.search.search(people.alice, vdb.id, "port", 1)
    with pytest.raises(Forbidden, match="not allowed to use model all-minilm"):
        await events_of(workshop.chat.ask(people.alice, rag.id, "Which port?"))
    assert len(await k.search.search(people.bob, vdb.id, "port", 1)) == 1  # bob still has both grants
