"""Vector work that fails after the transaction: the class stays, the result says what was left and
how to finish, and a second import completes it. And a vector store that cannot be used at all stops
the import before anything is written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.errors import Unavailable
from workshop_tui.services.workshop import Workshop
from workshop_tui.services.workshop_file import load_workshop_file
from workshop_tui.services.workshop_file.importer import ImportBlocked
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import SAMPLE, TIMEOUT, counts, db_snapshot, open_workshop, run_import

SAMPLE_FILE = SAMPLE / "workshop.yaml"


async def _job_statuses(workshop: Workshop) -> list[JobStatus]:
    async with workshop.ctx.db.reading() as session:
        return [job.status for job in await EmbeddingJobRepository(session).list()]


async def test_failed_embeddings_leave_the_class_and_a_second_import_finishes(workshop: Workshop,
                                                                              fake: FakeOllama) -> None:
    fake.scenario.embed_status = 404  # the embedding models "vanish" after the dimensions were read

    failed = await run_import(workshop, SAMPLE_FILE)

    assert not failed.ok and failed.vector_failure is not None
    jobs = counts(failed, "created")["embedding_jobs"]
    assert f"{jobs} of {jobs} embedding job(s) did not finish" in failed.vector_failure
    assert "left resumable" in failed.vector_failure and "workshop-tui import" in failed.vector_failure
    assert {j.status for j in failed.jobs} == {JobStatus.FAILED} and all(j.error for j in failed.jobs)
    assert failed.passwords  # the accounts exist: their passwords were handed out
    async with workshop.ctx.db.reading() as session:
        assert await UserRepository(session).count() == counts(failed, "created")["users"]
        assert len(await VectorDbRepository(session).list_all()) == counts(failed, "created")["vector_dbs"]

    fake.scenario.embed_status = None
    finished = await run_import(workshop, SAMPLE_FILE)

    assert finished.ok, finished.vector_failure
    assert counts(finished, "created") == {**dict.fromkeys(counts(finished, "created"), 0), "embedding_jobs": jobs}
    assert counts(finished, "updated") == dict.fromkeys(counts(finished, "updated"), 0)
    assert {e.reason for e in finished.sections["embedding_jobs"].created} == {"last job failed"}
    assert {j.status for j in finished.jobs} == {JobStatus.DONE} and finished.passwords == {}
    assert (await _job_statuses(workshop)).count(JobStatus.DONE) == jobs


async def test_a_vector_store_failure_after_the_commit_leaves_queued_jobs_to_resume(
        workshop: Workshop, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*_: object, **__: object) -> None:
        raise Unavailable("the vector store was closed")

    with monkeypatch.context() as patch:
        patch.setattr(workshop.store, "ensure_collection", refuse)
        failed = await run_import(workshop, SAMPLE_FILE)

    assert failed.vector_failure is not None and "the vector store failed while creating collections" in \
        failed.vector_failure
    assert "embedding jobs are queued" in failed.vector_failure and failed.jobs == []
    queued = await _job_statuses(workshop)
    assert queued and set(queued) == {JobStatus.QUEUED}

    finished = await run_import(workshop, SAMPLE_FILE)

    assert finished.ok, finished.vector_failure
    assert {str(e) for e in finished.sections["vector_dbs"].updated} == {
        f"{v.name} (collection)" for v in load_workshop_file(SAMPLE_FILE, environ={}).vector_dbs}
    assert len(finished.jobs) == len(queued) and {j.status for j in finished.jobs} == {JobStatus.DONE}
    assert await _job_statuses(workshop) == [JobStatus.DONE] * len(queued)  # the queued rows ran; none doubled


async def test_an_unusable_vector_store_stops_the_import_before_any_write(tmp_path: Path, fake: FakeOllama) -> None:
    workshop = await open_workshop(tmp_path / "data", fake.url)
    try:
        rows = await db_snapshot(workshop.ctx.db)
        await workshop.store.close()  # as if another process held the embedded store
        with pytest.raises(ImportBlocked, match="the vector store cannot be used"):
            await run_import(workshop, SAMPLE_FILE)
        assert await db_snapshot(workshop.ctx.db) == rows
    finally:
        await asyncio.wait_for(workshop.close(), TIMEOUT)


async def test_a_class_whose_vectors_are_complete_re_imports_without_ollama_or_the_store(
        workshop: Workshop, fake: FakeOllama) -> None:
    assert (await run_import(workshop, SAMPLE_FILE)).ok
    rows = await db_snapshot(workshop.ctx.db)
    fake.stop()
    await workshop.store.close()  # e.g. the workshop server holds the embedded store

    again = await run_import(workshop, SAMPLE_FILE)  # nothing needs Ollama or the vectors: it runs

    assert again.ok and not again.changed
    assert await db_snapshot(workshop.ctx.db) == rows
