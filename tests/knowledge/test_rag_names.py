"""RAG system names are unique across the workshop, even when two people pick one at once."""

from __future__ import annotations

import asyncio

from workshop_tui.domain.errors import Conflict
from workshop_tui.services.knowledge import KnowledgeServices

from .support import CHAT, MINILM, TIMEOUT, People, bounded


async def test_creating_one_name_at_once_gives_one_rag_system_and_conflicts(k: KnowledgeServices,
                                                                             people: People) -> None:
    owners = (people.alice, people.bob, people.teacher, people.admin)
    vector_dbs = [await bounded(k.vector_dbs.create(owner, f"notes {i}", MINILM)) for i, owner in enumerate(owners)]
    results = await asyncio.wait_for(asyncio.gather(
        *(k.rag.create(owner, "Helper", CHAT, vdb.id) for owner, vdb in zip(owners, vector_dbs, strict=True)),
        return_exceptions=True), TIMEOUT)
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, Conflict) and "'Helper'" in str(r) for r in refused), refused
