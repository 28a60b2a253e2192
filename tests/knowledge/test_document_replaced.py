"""Replacing a document's text while it is being embedded: the vector DB must end with the new text only."""

from __future__ import annotations

from typing import Any

from workshop_tui.domain.enums import JobStatus
from workshop_tui.services.embedding_runner import chunks_of
from workshop_tui.services.knowledge import KnowledgeServices
from workshop_tui.vectors import VectorStore

from .support import MINILM, People, all_points, bounded, eventually, hold_embedding_after


def handbook(word: str, sections: int = 6) -> str:
    """A Markdown handbook of several chunks per section; words of one length give the same chunks."""
    parts = [f"# Handbook {word}\n\nWelcome to the {word} handbook.\n"]
    for s in range(sections):
        parts.append(f"\n## Section {s} {word}\n")
        for p in range(6):
            words = " ".join(f"{word}{s}x{p}x{w:02d}" for w in range(25))
            parts.append(f"\nParagraph {p} of section {s} is about {word}. {words}.\n")
    return "".join(parts)


async def test_replacing_a_document_while_it_embeds_leaves_only_the_new_text(
        ctx: Any, k: KnowledgeServices, people: People, store: VectorStore) -> None:
    ctx.settings.documents.embed_batch_size = 2
    old_text, new_text = handbook("alpha"), handbook("omega")
    new_chunks = chunks_of(ctx, new_text)
    assert len(chunks_of(ctx, old_text)) == len(new_chunks) > 8  # same chunk count: no shorter-tail cleanup helps
    document = await bounded(k.documents.import_text(people.alice, "Handbook", old_text))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))

    # A slow Ollama: after the first two batches, embedding waits until the test lets it go on.
    gate = hold_embedding_after(k, 2)
    first = await bounded(k.jobs.enqueue(people.alice, document.id, vector_db.id))

    async def old_text_stored() -> bool:
        return await store.count(vector_db.collection_name) > 0

    await eventually(old_text_stored)
    assert (await bounded(k.jobs.get(people.alice, first.id))).status is JobStatus.RUNNING

    replaced = await bounded(k.documents.import_text(people.alice, "Handbook", new_text, replace_id=document.id))
    gate.set()

    async def idle() -> bool:
        return not await k.jobs.list(people.alice, vector_db_id=vector_db.id, active_only=True)

    await eventually(idle)
    assert replaced.text == new_text
    details = await bounded(k.vector_dbs.describe(people.alice, vector_db.id))
    assert [(d.status, d.chunks_done, d.chunks_total) for d in details.documents] == [
        (JobStatus.DONE, len(new_chunks), len(new_chunks))]
    points = await all_points(store, vector_db)
    assert len(points) == len(new_chunks)
    assert not [p for p in points if "alpha" in p.payload["text"]], "points still hold the replaced text"
    assert sorted(p.payload["text"] for p in points) == sorted(c.text for c in new_chunks)
