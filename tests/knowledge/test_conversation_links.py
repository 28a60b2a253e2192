"""What a conversation links to: its tools (however the ids are given) and its RAG system, which
can be attached, kept and detached again."""

from __future__ import annotations

from workshop_tui.domain.enums import ToolKind
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.conversations import ConversationService
from workshop_tui.services.knowledge import KnowledgeServices
from workshop_tui.services.tool_resources import ToolService

from .support import CHAT, MINILM, People, bounded


async def test_tool_ids_given_as_a_generator_are_all_stored(ctx: ServiceContext, people: People) -> None:
    tools = ToolService(ctx)
    calc = await tools.create(people.teacher, "calc", ToolKind.CALCULATOR)
    clock = await tools.create(people.teacher, "clock", ToolKind.DATETIME)
    conversations = ConversationService(ctx)
    created = await conversations.create(people.teacher, CHAT, tool_ids=(t.id for t in [calc]))
    assert created.tool_ids == (calc.id,)
    updated = await conversations.update(people.teacher, created.id, tool_ids=iter([clock.id, calc.id]))
    assert updated.tool_ids == tuple(sorted((calc.id, clock.id)))
    assert (await conversations.get(people.teacher, created.id)).tool_ids == updated.tool_ids


async def test_a_rag_system_is_kept_unless_changed_and_detached_by_none(
        ctx: ServiceContext, k: KnowledgeServices, people: People) -> None:
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    rag = await bounded(k.rag.create(people.alice, "Helper", CHAT, vector_db.id))
    conversations = ConversationService(ctx)
    created = await conversations.create(people.alice, CHAT, rag_system_id=rag.id)
    assert created.rag_system_id == rag.id
    renamed = await conversations.update(people.alice, created.id, title="Renamed")
    assert (renamed.title, renamed.rag_system_id) == ("Renamed", rag.id)
    detached = await conversations.update(people.alice, created.id, rag_system_id=None)
    assert detached.rag_system_id is None
    assert (await conversations.get(people.alice, created.id)).rag_system_id is None
    attached = await conversations.update(people.alice, created.id, rag_system_id=rag.id)
    assert attached.rag_system_id == rag.id
