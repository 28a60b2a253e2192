"""Embedding jobs against the fake Ollama and real embedded Qdrant: batching, offsets, resumption,
re-embedding, retries and failures, cancellation and progress."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.errors import NotFound
from workshop_tui.services.embedding_jobs import EmbeddingJobService
from workshop_tui.services.embedding_runner import chunks_of
from workshop_tui.services.knowledge import KnowledgeServices
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.testing.fake_ollama import FakeOllama
from workshop_tui.vectors import VectorStore, point_id

from .support import MINILM, NOMIC, TIMEOUT, People, all_points, bounded, embed, eventually, wait_until


def long_markdown(sections: int = 6, paragraphs: int = 6) -> str:
    """A Markdown document of several sections, each long enough for several chunks."""
    parts = ["# Workshop handbook\n\nWelcome to the handbook.\n"]
    for s in range(sections):
        parts.append(f"\n## Section {s} topic{s}\n")
        for p in range(paragraphs):
            words = " ".join(f"word{s}x{p}x{w}" for w in range(25))
            parts.append(f"\nParagraph {p} of section {s} talks about topic{s}. {words}.\n")
    return "".join(parts)


async def test_chunks_are_stored_with_offsets_headings_and_deterministic_ids(
        k: KnowledgeServices, people: People, store: VectorStore, fake: FakeOllama) -> None:
    text = long_markdown()
    document = await bounded(k.documents.import_text(people.alice, "Handbook", text, content_type="text/markdown"))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))

    job = await embed(k, people.alice, document.id, vector_db.id)

    assert job.status is JobStatus.DONE and job.chunks_done == job.chunks_total > 6
    points = await all_points(store, vector_db)
    assert len(points) == job.chunks_total
    by_index = {p.payload["chunk_index"]: p for p in points}
    assert sorted(by_index) == list(range(job.chunks_total))
    for index, point in by_index.items():
        payload = point.payload
        assert point.id == point_id(document.id, index)
        assert text[payload["start"]:payload["end"]] == payload["text"]  # offsets point at the source text
        assert len(payload["text"]) <= 1000 + 200
        assert payload["document_id"] == document.id and payload["title"] == "Handbook"
    later = by_index[3].payload
    assert later["heading_path"][0] == "Workshop handbook" and later["heading_path"][1].startswith("Section")
    assert "›" in later["location"] and "chars" in later["location"]
    # Neighbouring chunks of one section overlap, and no chunk spans two sections.
    same_section = [(a.payload, b.payload) for a, b in zip(
        [by_index[i] for i in range(job.chunks_total - 1)], [by_index[i] for i in range(1, job.chunks_total)],
        strict=True) if a.payload["heading_path"] == b.payload["heading_path"]]
    assert same_section and all(b["start"] < a["end"] for a, b in same_section)
    # Batches follow the setting and never exceed it.
    assert max(fake.embed_batches) <= 32


async def test_batch_size_and_at_most_two_requests_in_flight(
        k: KnowledgeServices, people: People, fake: FakeOllama, ctx: Any, pool: Any) -> None:
    ctx.settings.documents.embed_batch_size = 3
    fake.scenario.embed_delay = 0.03
    client = pool.clients[pool.urls[0]]
    real_embed = client.embed
    live = {"now": 0, "max": 0}

    async def counting_embed(*args: Any, **kwargs: Any) -> Any:
        live["now"] += 1
        live["max"] = max(live["max"], live["now"])
        try:
            return await real_embed(*args, **kwargs)
        finally:
            live["now"] -= 1

    client.embed = counting_embed
    document = await bounded(k.documents.import_text(people.alice, "Handbook", long_markdown()))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    job = await embed(k, people.alice, document.id, vector_db.id)

    assert job.status is JobStatus.DONE
    sizes = fake.embed_batches
    assert sum(sizes) == job.chunks_total and max(sizes) == 3
    assert live["max"] == 2  # pipelined, but never more than two


async def test_nomic_gets_document_and_query_prefixes(
        k: KnowledgeServices, people: People, fake: FakeOllama) -> None:
    document = await bounded(k.documents.import_text(people.alice, "Tea", "Green tea grows on hillsides."))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "tea", NOMIC))
    await embed(k, people.alice, document.id, vector_db.id)
    await bounded(k.search.search(people.alice, vector_db.id, "where does tea grow", 2))

    inputs = [r.body["input"] for r in fake.requests_to("/api/embed")]
    assert inputs[0] == ["search_document: Green tea grows on hillsides."]
    assert inputs[-1] == ["search_query: where does tea grow"]
    assert vector_db.dimension == 768


async def test_a_job_killed_halfway_and_resumed_matches_an_uninterrupted_one(
        ctx: Any, store: VectorStore, k: KnowledgeServices, people: People, fake: FakeOllama) -> None:
    ctx.settings.documents.embed_batch_size = 2
    document = await bounded(k.documents.import_text(people.alice, "Handbook", long_markdown(16)))
    reference_db = await bounded(k.vector_dbs.create(people.alice, "reference", MINILM))
    await embed(k, people.alice, document.id, reference_db.id)
    expected = await bounded(store.count(reference_db.collection_name))

    target = await bounded(k.vector_dbs.create(people.alice, "target", MINILM))
    fake.scenario.embed_delay = 0.1
    job = await bounded(k.jobs.enqueue(people.alice, document.id, target.id))

    async def some_progress_stored() -> bool:  # what survives a crash is what the database says
        async with ctx.db.reading() as session:
            return (await EmbeddingJobRepository(session).get(job.id)).chunks_done > 0

    await eventually(some_progress_stored)
    await bounded(k.jobs.aclose())  # "kill the process": tasks stop, records stay as they are
    async with ctx.db.reading() as session:
        stopped = await EmbeddingJobRepository(session).get(job.id)
    assert stopped.status is JobStatus.RUNNING and 0 < stopped.chunks_done < stopped.chunks_total
    fake.reset()
    fake.scenario.embed_delay = 0.0

    restarted = EmbeddingJobService(ctx, store, k.embedder)
    try:
        assert await bounded(restarted.resume_interrupted()) == [job.id]
        final = await restarted.wait(people.alice, job.id, timeout_s=TIMEOUT)
    finally:
        await bounded(restarted.aclose())

    assert final.status is JobStatus.DONE and final.attempts == 2
    assert await bounded(store.count(target.collection_name)) == expected == final.chunks_total
    assert sum(fake.embed_batches) <= final.chunks_total - stopped.chunks_done  # skipped the stored prefix


async def test_re_embedding_replaces_and_drops_a_shorter_documents_old_tail(
        k: KnowledgeServices, people: People, store: VectorStore) -> None:
    document = await bounded(k.documents.import_text(people.alice, "Handbook", long_markdown()))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    first = await embed(k, people.alice, document.id, vector_db.id)
    again = await embed(k, people.alice, document.id, vector_db.id)
    assert again.id != first.id and again.status is JobStatus.DONE
    assert await bounded(store.count(vector_db.collection_name)) == first.chunks_total

    shorter = await bounded(k.documents.import_text(people.alice, "Handbook", long_markdown(2),
                                                    replace_id=document.id))
    assert shorter.id == document.id
    await wait_until_idle(k, people, vector_db.id)
    points = await all_points(store, vector_db)
    assert len(points) < first.chunks_total
    assert {p.payload["text"] for p in points} <= {shorter.text[p.payload["start"]:p.payload["end"]] for p in points}


async def wait_until_idle(k: KnowledgeServices, people: People, vector_db_id: int) -> None:
    async def idle() -> None:
        while await k.jobs.list(people.alice, vector_db_id=vector_db_id, active_only=True):
            await asyncio.sleep(0.02)

    await bounded(idle())


async def test_busy_ollama_is_retried_then_the_job_succeeds(
        k: KnowledgeServices, people: People, fake: FakeOllama) -> None:
    document = await bounded(k.documents.import_text(people.alice, "Tea", "Green tea grows on hillsides."))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "tea", MINILM))
    fake.scenario.embed_status = 503
    job = await bounded(k.jobs.enqueue(people.alice, document.id, vector_db.id))
    await wait_until(lambda: len(fake.requests_to("/api/embed")) >= 2)
    fake.scenario.embed_status = None

    final = await k.jobs.wait(people.alice, job.id, timeout_s=TIMEOUT)

    assert final.status is JobStatus.DONE and final.error is None and final.chunks_done == 1
    assert len(fake.requests_to("/api/embed")) >= 3


async def test_busy_for_too_long_fails_with_the_reason(
        k: KnowledgeServices, people: People, fake: FakeOllama) -> None:
    document = await bounded(k.documents.import_text(people.alice, "Tea", "Green tea grows on hillsides."))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "tea", MINILM))
    fake.scenario.embed_status = 503
    final = await embed(k, people.alice, document.id, vector_db.id)
    assert final.status is JobStatus.FAILED
    assert "gave up after 4 tries" in final.error and "busy" in final.error


async def test_a_missing_model_fails_the_job_at_once_with_the_reason(
        k: KnowledgeServices, people: People, fake: FakeOllama) -> None:
    document = await bounded(k.documents.import_text(people.alice, "Tea", "Green tea grows on hillsides."))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "tea", MINILM))
    fake.registry.remove(MINILM)

    final = await embed(k, people.alice, document.id, vector_db.id)

    assert final.status is JobStatus.FAILED
    assert "all-minilm" in final.error and "not available" in final.error
    assert len(fake.requests_to("/api/embed")) == 1  # no retries for a 404


async def test_a_bad_request_fails_the_job_without_retrying(
        k: KnowledgeServices, people: People, fake: FakeOllama) -> None:
    document = await bounded(k.documents.import_text(people.alice, "Tea", "Green tea grows on hillsides."))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "tea", MINILM))
    fake.scenario.embed_status = 400
    final = await embed(k, people.alice, document.id, vector_db.id)
    assert final.status is JobStatus.FAILED and "rejected" in final.error
    assert len(fake.requests_to("/api/embed")) == 1


async def test_progress_reports_counts_and_rate_then_cancel_stops_the_job(
        ctx: Any, k: KnowledgeServices, people: People, fake: FakeOllama, store: VectorStore) -> None:
    ctx.settings.documents.embed_batch_size = 2
    fake.scenario.embed_delay = 0.05
    document = await bounded(k.documents.import_text(people.alice, "Handbook", long_markdown(8)))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    job = await bounded(k.jobs.enqueue(people.alice, document.id, vector_db.id))
    reports = []
    async with asyncio.timeout(TIMEOUT):
        async for report in k.jobs.progress(people.alice, job.id):
            reports.append(report)
            if report.done >= 4:
                break
    cancelled = await bounded(k.jobs.cancel(people.alice, job.id))

    assert [r.done for r in reports] == sorted(r.done for r in reports)
    assert reports[-1].total > 4 and reports[-1].rate and reports[-1].rate > 0
    assert cancelled.status is JobStatus.CANCELLED and "alice" in cancelled.error
    stored = await bounded(store.count(vector_db.collection_name))
    await asyncio.sleep(0.2)
    assert await bounded(store.count(vector_db.collection_name)) == stored < cancelled.chunks_total
    assert (await bounded(k.jobs.get(people.alice, job.id))).status is JobStatus.CANCELLED


async def test_jobs_are_visible_to_readers_of_the_vector_db_only(
        k: KnowledgeServices, people: People) -> None:
    document = await bounded(k.documents.import_text(people.alice, "Tea", "Green tea grows on hillsides."))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "tea", MINILM))
    job = await embed(k, people.alice, document.id, vector_db.id)
    with pytest.raises(NotFound):
        await k.jobs.get(people.bob, job.id)
    with pytest.raises(NotFound):
        await k.jobs.cancel(people.bob, job.id)
    assert (await k.jobs.get(people.admin, job.id)).id == job.id
    assert [j.id for j in await k.jobs.list(people.alice)] == [job.id]
    assert await k.jobs.list(people.bob) == []


async def test_the_next_job_starts_while_the_last_one_stores_its_final_batches(
        ctx: Any, k: KnowledgeServices, people: People, fake: FakeOllama, store: VectorStore) -> None:
    """A job hands its slot on once it has all its vectors, so a slow store never leaves Ollama idle
    between jobs, and still only one job (the limit) is embedding at any time."""
    first_text, second_text = long_markdown(3), "Green tea grows on hillsides."
    chunk_count = len(chunks_of(ctx, first_text))
    ctx.settings.documents.embed_batch_size = (chunk_count + 1) // 2  # exactly two batches
    first = await bounded(k.documents.import_text(people.alice, "Handbook", first_text))
    second = await bounded(k.documents.import_text(people.alice, "Tea", second_text))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    gate = asyncio.Event()
    real_upsert = store.upsert

    async def slow_store(name: str, points: Any, **kwargs: Any) -> None:
        if points[0].payload["document_id"] == first.id:
            await gate.wait()
        await real_upsert(name, points, **kwargs)

    store.upsert = slow_store  # type: ignore[method-assign]
    jobs = EmbeddingJobService(ctx, store, k.embedder, max_running_jobs=1)
    try:
        job_one = await bounded(jobs.enqueue(people.alice, first.id, vector_db.id))
        job_two = await bounded(jobs.enqueue(people.alice, second.id, vector_db.id))

        def embedded_texts() -> list[list[str]]:
            return [r.body["input"] for r in fake.requests_to("/api/embed")]

        async def second_job_embedding() -> bool:
            return any(second_text in batch for batch in embedded_texts())

        await eventually(second_job_embedding)
        assert (await bounded(jobs.get(people.alice, job_one.id))).status is JobStatus.RUNNING
        batches = embedded_texts()
        assert len(batches) == 3 and second_text in batches[2], "the second job began after the first's last batch"

        gate.set()
        done_one = await bounded(jobs.wait(people.alice, job_one.id))
        done_two = await bounded(jobs.wait(people.alice, job_two.id))
    finally:
        gate.set()
        await bounded(jobs.aclose())
        store.upsert = real_upsert  # type: ignore[method-assign]
    assert done_one.status is done_two.status is JobStatus.DONE
    assert done_one.chunks_done == chunk_count
    assert await bounded(store.count(vector_db.collection_name)) == chunk_count + 1
