"""What the screens build on: a session's feed of its own jobs, resuming a stopped job where it
stopped, and a document listing that tells lengths, chunks and vector DBs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.errors import Conflict, Forbidden, NotFound
from workshop_tui.services.embedding_runner import JobProgress, chunks_of
from workshop_tui.services.knowledge import KnowledgeServices
from workshop_tui.testing.fake_ollama import FakeOllama
from workshop_tui.vectors import VectorStore

from .support import MINILM, TIMEOUT, People, bounded, embed, eventually
from .test_embedding_jobs import long_markdown


async def test_a_session_follows_its_own_jobs_to_the_end_and_nobody_elses(
        k: KnowledgeServices, people: People) -> None:
    mine = await bounded(k.documents.import_text(people.alice, "Tea", "Green tea grows on hillsides."))
    theirs = await bounded(k.documents.import_text(people.bob, "Coffee", "Coffee grows in the tropics."))
    alice_db = await bounded(k.vector_dbs.create(people.alice, "tea", MINILM))
    bob_db = await bounded(k.vector_dbs.create(people.bob, "coffee", MINILM))
    reports: list[JobProgress] = []
    async with k.jobs.watch(people.alice) as feed:
        other = await embed(k, people.bob, theirs.id, bob_db.id)
        job = await bounded(k.jobs.enqueue(people.alice, mine.id, alice_db.id))
        while not reports or not reports[-1].finished:
            reports.append(await feed.get(timeout=TIMEOUT))
    assert {r.job_id for r in reports} == {job.id} and other.id != job.id
    assert reports[0].status is JobStatus.QUEUED
    assert reports[-1].status is JobStatus.DONE and reports[-1].done == reports[-1].total == 1


async def test_only_active_accounts_watch_jobs(k: KnowledgeServices, people: People) -> None:
    with pytest.raises(Forbidden):
        async with k.jobs.watch(people.pending):
            pass


async def stored_some(k: KnowledgeServices, people: People, job_id: int) -> bool:
    return (await k.jobs.get(people.alice, job_id)).chunks_done > 0


async def test_a_cancelled_job_resumes_from_the_chunks_it_had_stored(
        ctx: Any, k: KnowledgeServices, people: People, fake: FakeOllama, store: VectorStore) -> None:
    ctx.settings.documents.embed_batch_size = 2
    fake.scenario.embed_delay = 0.1
    text = long_markdown(30)
    document = await bounded(k.documents.import_text(people.alice, "Handbook", text))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    job = await bounded(k.jobs.enqueue(people.alice, document.id, vector_db.id))
    await eventually(lambda: stored_some(k, people, job.id))  # the count is written every half second
    cancelled = await bounded(k.jobs.cancel(people.alice, job.id))
    assert cancelled.status is JobStatus.CANCELLED and 0 < cancelled.chunks_done < cancelled.chunks_total
    fake.reset()
    fake.scenario.embed_delay = 0.0

    resumed = await bounded(k.jobs.resume(people.alice, job.id))
    assert resumed.id == job.id and resumed.status is JobStatus.QUEUED and resumed.error is None
    final = await k.jobs.wait(people.alice, job.id, timeout_s=TIMEOUT)

    total = len(chunks_of(ctx, text))
    assert final.status is JobStatus.DONE and final.chunks_done == final.chunks_total == total
    assert sum(fake.embed_batches) == total - cancelled.chunks_done  # only what was not stored yet
    assert await bounded(store.count(vector_db.collection_name)) == total


async def test_a_job_superseded_by_a_newer_one_does_not_resume(
        k: KnowledgeServices, people: People, fake: FakeOllama) -> None:
    document = await bounded(k.documents.import_text(people.alice, "Tea", "Green tea grows on hillsides."))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "tea", MINILM))
    fake.scenario.embed_status = 503  # the first job cannot finish before it is cancelled, however slow the test
    first = await bounded(k.jobs.enqueue(people.alice, document.id, vector_db.id))
    stopped = await bounded(k.jobs.cancel(people.alice, first.id))
    assert stopped.status in (JobStatus.CANCELLED, JobStatus.FAILED)
    fake.scenario.embed_status = None
    second = await embed(k, people.alice, document.id, vector_db.id)
    with pytest.raises(Conflict, match=f"job {second.id}"):
        await k.jobs.resume(people.alice, first.id)
    assert (await bounded(k.jobs.resume(people.alice, second.id))).status is JobStatus.DONE  # done: as it is
    with pytest.raises(NotFound):
        await k.jobs.resume(people.bob, second.id)


async def test_the_listing_tells_length_chunks_and_the_vector_dbs_one_may_see(
        ctx: Any, k: KnowledgeServices, people: People) -> None:
    text = long_markdown(3)
    document = await bounded(k.documents.import_text(people.alice, "Handbook", text))
    waiting = await bounded(k.documents.import_text(people.alice, "Tea", "Green tea grows on hillsides."))
    own = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    await embed(k, people.alice, document.id, own.id)
    handout = await bounded(k.documents.import_text(people.teacher, "Handout", "Tea needs water.", visibility="class"))
    staff_db = await bounded(k.vector_dbs.create(people.teacher, "staff notes", MINILM))
    await embed(k, people.teacher, handout.id, staff_db.id)

    summaries = {s.document.id: s for s in await bounded(k.documents.summaries(people.alice))}
    assert summaries[document.id].characters == len(text)
    assert summaries[document.id].chunks == len(chunks_of(ctx, text))
    assert summaries[document.id].vector_dbs == ("notes",)
    assert summaries[waiting.id].chunks is None and summaries[waiting.id].vector_dbs == ()
    assert summaries[document.id].document.text == ""  # listings never carry the text
    assert summaries[handout.id].vector_dbs == ()  # a private vector DB of someone else is not named
    teachers = {s.document.id: s for s in await bounded(k.documents.summaries(people.teacher))}
    assert teachers[handout.id].vector_dbs == ("staff notes",) and document.id not in teachers
    assert [s.document.id for s in await bounded(k.documents.summaries(people.bob))] == [handout.id]


async def test_the_detail_gives_the_text_and_its_chunks_with_headings_and_offsets(
        ctx: Any, k: KnowledgeServices, people: People) -> None:
    text = long_markdown(2)
    document = await bounded(k.documents.import_text(people.alice, "Handbook", text))
    detail = await bounded(k.documents.chunks(people.alice, document.id))
    assert detail.document.text == text
    assert detail.chunks == tuple(chunks_of(ctx, text))
    assert all(text[c.start:c.end] == c.text for c in detail.chunks)
    assert detail.chunks[-1].heading_path[0] == "Workshop handbook"
    with pytest.raises(NotFound):
        await k.documents.chunks(people.bob, document.id)


async def test_a_feed_opened_mid_job_starts_from_its_live_count_and_forgets_it_once_done(
        ctx: Any, k: KnowledgeServices, people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    """A screen opened while a job stalls (Ollama busy) shows how far it got, not the count last
    written (every half second), and nothing is waiting to be told once the job is over."""
    ctx.settings.documents.embed_batch_size = 2
    passes = asyncio.Semaphore(3)  # three batches get their vectors, then the job waits
    real = k.embedder.embed_documents

    async def held(model: str, texts: list[str]) -> list[list[float]]:
        await passes.acquire()
        return await real(model, texts)

    monkeypatch.setattr(k.embedder, "embed_documents", held)
    document = await bounded(k.documents.import_text(people.alice, "Handbook", long_markdown(30)))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    async with k.jobs.watch(people.alice) as early:
        job = await bounded(k.jobs.enqueue(people.alice, document.id, vector_db.id))
        seen = await early.get(timeout=TIMEOUT)
        while seen.done < 2:
            seen = await early.get(timeout=TIMEOUT)
    async with k.jobs.watch(people.bob) as theirs, k.jobs.watch(people.alice) as late:
        now = await late.get(timeout=TIMEOUT)
        assert (now.job_id, now.status, now.done) == (job.id, JobStatus.RUNNING, seen.done)
        with pytest.raises(TimeoutError):
            await theirs.get(timeout=0.2)  # not Bob's job
    for _ in range(100):
        passes.release()
    assert (await k.jobs.wait(people.alice, job.id, timeout_s=TIMEOUT)).status is JobStatus.DONE
    async with k.jobs.watch(people.alice) as after:
        with pytest.raises(TimeoutError):
            await after.get(timeout=0.2)
