"""Vector DBs: real dimensions from /api/show, describe, model changes that demand re-embedding,
sharing, and deletion of collection and records."""

from __future__ import annotations

import pytest

from workshop_tui.domain.enums import JobStatus, Visibility
from workshop_tui.domain.errors import Conflict, Forbidden, Invalid, NotFound
from workshop_tui.ollama import ModelNotFound
from workshop_tui.services.knowledge import KnowledgeServices
from workshop_tui.services.vector_dbs import ReembeddingRequired
from workshop_tui.testing.fake_ollama import FakeModel, FakeOllama
from workshop_tui.vectors import VectorStore

from .support import CHAT, MINILM, NOMIC, People, all_points, bounded, embed, eventually, wait_until


async def test_the_dimension_comes_from_the_model_not_a_constant(
        k: KnowledgeServices, people: People, fake: FakeOllama, store: VectorStore) -> None:
    fake.registry.add(FakeModel("odd-embed", "bert", "bert", "10M", "F16", 1000, ("embedding",), 512, 100))
    odd = await bounded(k.vector_dbs.create(people.teacher, "odd", "odd-embed"))  # staff need no grant
    minilm = await bounded(k.vector_dbs.create(people.alice, "small", MINILM))

    assert (odd.dimension, odd.embedding_model) == (100, "odd-embed:latest")
    assert (minilm.dimension, minilm.embedding_model) == (384, "all-minilm:latest")
    assert [r.body["model"] for r in fake.requests_to("/api/show")] == ["odd-embed:latest", "all-minilm:latest"]
    document = await bounded(k.documents.import_text(people.teacher, "Doc", "one short passage"))
    assert (await embed(k, people.teacher, document.id, odd.id)).status is JobStatus.DONE
    assert len((await all_points(store, odd))[0].payload["text"]) > 0


async def test_models_that_cannot_embed_or_are_missing_or_not_granted_are_refused(
        k: KnowledgeServices, people: People, store: VectorStore) -> None:
    with pytest.raises(Invalid, match="not an embedding model"):
        await k.vector_dbs.create(people.alice, "chatty", CHAT)
    with pytest.raises(ModelNotFound):
        await k.vector_dbs.create(people.teacher, "ghost", "no-such-embedder")
    with pytest.raises(Forbidden, match="not allowed to use model all-minilm"):
        await k.vector_dbs.create(people.carol, "ungranted", MINILM)
    with pytest.raises(Forbidden, match="guest may not create"):
        await k.vector_dbs.create(people.guest, "guest-db", MINILM)
    await bounded(k.vector_dbs.create(people.alice, "taken", MINILM))
    with pytest.raises(Conflict, match="already exists"):
        await k.vector_dbs.create(people.bob, "taken", MINILM)
    assert [v.name for v in await k.vector_dbs.list(people.admin)] == ["taken"]


async def test_describe_shows_points_documents_model_and_dependent_rag_systems(
        k: KnowledgeServices, people: People) -> None:
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM, description="my notes"))
    first = await bounded(k.documents.import_text(people.alice, "First", "# A\n\nalpha text\n\n# B\n\nbeta text",
                                                  content_type="text/markdown"))
    second = await bounded(k.documents.import_text(people.alice, "Second", "gamma text"))
    await embed(k, people.alice, first.id, vector_db.id)
    await embed(k, people.alice, second.id, vector_db.id)
    await bounded(k.rag.create(people.alice, "Helper", CHAT, vector_db.id))

    details = await bounded(k.vector_dbs.describe(people.alice, vector_db.id))

    assert details.point_count == 3 and details.model == "all-minilm:latest"
    assert [(d.title, d.status, d.chunks_done, d.chunks_total) for d in details.documents] == [
        ("First", JobStatus.DONE, 2, 2), ("Second", JobStatus.DONE, 1, 1)]
    assert details.rag_system_names == ("Helper",)
    assert details.vector_db.description == "my notes"

    await bounded(k.vector_dbs.remove_document(people.alice, vector_db.id, first.id))
    after = await bounded(k.vector_dbs.describe(people.alice, vector_db.id))
    assert after.point_count == 1 and [d.title for d in after.documents] == ["Second"]


async def test_changing_the_embedding_model_requires_and_performs_re_embedding(
        k: KnowledgeServices, people: People, store: VectorStore) -> None:
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    documents = [await bounded(k.documents.import_text(people.alice, f"Doc {i}", f"text number {i}"))
                 for i in range(3)]
    for document in documents:
        await embed(k, people.alice, document.id, vector_db.id)

    with pytest.raises(ReembeddingRequired, match="re-embedding its 3 document") as refused:
        await k.vector_dbs.change_embedding_model(people.alice, vector_db.id, NOMIC)
    assert refused.value.documents == 3
    assert (await k.vector_dbs.get(people.alice, vector_db.id)).embedding_model == "all-minilm:latest"
    with pytest.raises(NotFound):
        await k.vector_dbs.change_embedding_model(people.bob, vector_db.id, NOMIC, confirm=True)

    changed = await bounded(k.vector_dbs.change_embedding_model(people.alice, vector_db.id, NOMIC, confirm=True))

    assert (changed.embedding_model, changed.dimension) == ("nomic-embed-text:latest", 768)
    assert changed.collection_name != vector_db.collection_name
    assert not await bounded(store.collection_exists(vector_db.collection_name))

    async def re_embedded() -> bool:
        details = await k.vector_dbs.describe(people.alice, vector_db.id)
        return details.point_count == 3 and all(d.status is JobStatus.DONE for d in details.documents)

    await eventually(re_embedded)
    points = await all_points(store, changed)
    assert {p.payload["embedding_model"] for p in points} == {"nomic-embed-text:latest"}
    hits = await bounded(k.search.search(people.alice, vector_db.id, "text number 2", 1))
    assert hits[0]["title"] == "Doc 2"


async def test_sharing_a_vector_db_needs_share_rights(k: KnowledgeServices, people: People) -> None:
    own = await bounded(k.vector_dbs.create(people.alice, "mine", MINILM))
    with pytest.raises(Forbidden, match="only create private"):
        await k.vector_dbs.create(people.alice, "shared", MINILM, visibility=Visibility.CLASS)
    with pytest.raises(Forbidden):
        await k.vector_dbs.update(people.alice, own.id, visibility=Visibility.CLASS)
    shared = await bounded(k.vector_dbs.create(people.teacher, "course", MINILM, visibility=Visibility.CLASS))
    assert [v.name for v in await k.vector_dbs.list(people.bob)] == ["course"]
    assert [v.name for v in await k.vector_dbs.list(people.alice)] == ["course", "mine"]
    assert await k.vector_dbs.list(people.guest) == []
    with pytest.raises(NotFound):
        await k.vector_dbs.describe(people.bob, own.id)
    with pytest.raises(Forbidden):
        await k.vector_dbs.update(people.bob, shared.id, name="hijacked")
    assert (await bounded(k.vector_dbs.update(people.teacher, shared.id, name="course 2"))).name == "course 2"


async def test_deleting_a_vector_db_drops_the_collection_and_its_records(
        k: KnowledgeServices, people: People, store: VectorStore, fake: FakeOllama) -> None:
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    document = await bounded(k.documents.import_text(people.alice, "Doc", "some words"))
    await embed(k, people.alice, document.id, vector_db.id)
    rag = await bounded(k.rag.create(people.alice, "Helper", CHAT, vector_db.id))
    fake.scenario.embed_delay = 0.2
    running = await bounded(k.jobs.enqueue(people.alice, (await bounded(
        k.documents.import_text(people.alice, "Other", "more words"))).id, vector_db.id))
    await wait_until(lambda: len(fake.requests_to("/api/embed")) >= 2)
    with pytest.raises(NotFound):
        await k.vector_dbs.delete(people.teacher, vector_db.id)  # staff, but the DB is private to Alice

    await bounded(k.vector_dbs.delete(people.alice, vector_db.id))

    assert not await bounded(store.collection_exists(vector_db.collection_name))
    with pytest.raises(NotFound):
        await k.vector_dbs.get(people.alice, vector_db.id)
    with pytest.raises(NotFound):
        await k.rag.get(people.alice, rag.id)
    with pytest.raises(NotFound):
        await k.jobs.get(people.alice, running.id)
    assert (await k.documents.get(people.alice, document.id)).title == "Doc"  # documents stay
