"""A double press: two requests to embed the same document into the same vector DB at one moment
make one job, on a real SQLite file with truly concurrent connections."""

from __future__ import annotations

import asyncio

from workshop_tui.services.context import ServiceContext
from workshop_tui.services.knowledge import KnowledgeServices
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import MINILM, People, bounded


async def test_pressing_embed_twice_at_once_makes_one_job(k: KnowledgeServices, people: People, ctx: ServiceContext,
                                                          fake: FakeOllama) -> None:
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    fake.scenario.embed_delay = 2.0  # every job is still queued or running when its round ends
    for round_number in range(5):
        text = f"Round {round_number}. " + "Some text. " * 50
        document = await bounded(k.documents.import_text(people.alice, f"Notes {round_number}", text))
        first, second = await bounded(asyncio.gather(k.jobs.enqueue(people.alice, document.id, vector_db.id),
                                                     k.jobs.enqueue(people.alice, document.id, vector_db.id)))
        assert first.id == second.id
        async with ctx.db.reading() as session:
            jobs = await EmbeddingJobRepository(session).list(vector_db_id=vector_db.id)
        assert len([j for j in jobs if j.document_id == document.id]) == 1
