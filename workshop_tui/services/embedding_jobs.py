"""Embedding jobs: embedding document D into vector DB V as a persisted, resumable, cancellable job.

Jobs run as tasks of this process, at most `max_running_jobs` embedding at once (the rest stay
queued), and every job's embed requests share the embedder's bound of two in flight. A job gives up
its slot once its last batch is embedded: while it stores its final batches, the next job reads and
chunks its document and embeds its first batch, so the vector store does not wait for jobs to start.

A job's record, not its task, is the truth: on shutdown the tasks stop and the records stay
`running`, and the next start (`resume_interrupted`) picks them up where their stored progress says.

Who may do what: queueing needs read access to the document and write access to the vector DB (the
nested-id rule: nobody adds documents to someone else's vector DB, or embeds a document they cannot
read). A job is visible to its requester and to whoever can read its vector DB; the requester or
whoever may change the vector DB can cancel it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.errors import Conflict, Invalid, NotFound, Unavailable
from workshop_tui.domain.models import EmbeddingJob
from workshop_tui.services.access import Action, Actor, Kind, authorize
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.embedder import Embedder
from workshop_tui.services.embedding_runner import TERMINAL, TOPIC_STATUS, JobFeed, JobProgress, JobRunner
from workshop_tui.services.knowledge_access import authorize_model, load
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.vectors import VectorStore

__all__ = ["EmbeddingJobService", "JobFeed", "JobProgress", "Requeued"]
log = get_logger(__name__)
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


@dataclass(frozen=True)
class Requeued:
    """What `EmbeddingJobService.requeue` wrote in a transaction, for `halt` and `launch` once it commits."""

    cancelled: tuple[EmbeddingJob, ...]
    queued: tuple[EmbeddingJob, ...]


class EmbeddingJobService:
    def __init__(self, ctx: ServiceContext, store: VectorStore, embedder: Embedder, *,
                 max_running_jobs: int = 2, stop_timeout_s: float = 10.0) -> None:
        if max_running_jobs < 1:
            raise Invalid("must be at least 1", field="max_running_jobs")
        self.ctx = ctx
        self.runner = JobRunner(ctx, store, embedder)
        self._slots = asyncio.Semaphore(max_running_jobs)
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stop_timeout_s = stop_timeout_s
        self._closed = False

    # -- starting and stopping -------------------------------------------------------------------

    async def resume_interrupted(self) -> list[int]:
        """At start-up: run again every job left queued or running by the previous process."""
        async with self.ctx.db.reading() as session:
            jobs = await EmbeddingJobRepository(session).list(statuses=ACTIVE)
        for job in jobs:
            self._spawn(job.id)
        if jobs:
            log.info("resuming %d embedding job(s)", len(jobs))
        return [job.id for job in jobs]

    async def aclose(self) -> None:
        """Stop every job task without changing its record, so the next start resumes it."""
        self._closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=self._stop_timeout_s)

    def _spawn(self, job_id: int) -> None:
        if self._closed:
            raise Unavailable("the embedding service is shutting down")
        current = self._tasks.get(job_id)
        if current is not None and not current.done():
            return
        task = asyncio.create_task(self._drive(job_id), name=f"embedding-job-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda t: self._forget(job_id, t))

    def _forget(self, job_id: int, task: asyncio.Task[None]) -> None:
        if self._tasks.get(job_id) is task:
            del self._tasks[job_id]
        if not task.cancelled() and task.exception() is not None:
            log.error("embedding job %s crashed", job_id, exc_info=task.exception())

    async def _drive(self, job_id: int) -> None:
        await self._slots.acquire()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                self._slots.release()

        try:
            await self.runner.run(job_id, on_all_embedded=release)
        finally:
            release()

    # -- queueing ----------------------------------------------------------------------------------

    async def enqueue(self, actor: Actor, document_id: int, vector_db_id: int) -> EmbeddingJob:
        """Queue embedding `document_id` into `vector_db_id`; an active job for the pair is returned as is."""
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.CREATE, Kind.EMBEDDING_JOB)
            await load(DocumentRepository(session), actor, document_id, Action.READ, "document")
            vector_db = await load(VectorDbRepository(session), actor, vector_db_id, Action.UPDATE, "vector DB")
            await authorize_model(session, actor, vector_db.embedding_model)  # embedding uses the model too
            job, created = await self._add(session, document_id, vector_db_id, actor.id)
        if created:
            self._announce(job)
        self._spawn(job.id)
        return job

    async def submit(self, document_id: int, vector_db_id: int, requested_by_id: int | None) -> EmbeddingJob:
        """Queue a job the calling service has already authorized; an active job for the pair is returned."""
        async with self.ctx.db.transaction() as session:
            job, created = await self._add(session, document_id, vector_db_id, requested_by_id)
        if created:
            self._announce(job)
        self._spawn(job.id)
        return job

    async def _add(self, session: AsyncSession, document_id: int, vector_db_id: int,
                   requested_by_id: int | None) -> tuple[EmbeddingJob, bool]:
        jobs = EmbeddingJobRepository(session)
        active = await jobs.active_for(document_id, vector_db_id)
        if active is not None:
            return active, False
        job = await jobs.add(document_id=document_id, vector_db_id=vector_db_id, requested_by_id=requested_by_id,
                             status=JobStatus.QUEUED)
        return job, True

    def _announce(self, job: EmbeddingJob) -> None:
        self.runner.publish(TOPIC_STATUS, JobProgress.of(job), job.requested_by_id)

    # -- starting over -----------------------------------------------------------------------------

    async def requeue(self, session: AsyncSession, pairs: Iterable[tuple[int, int]], requested_by_id: int | None,
                      reason: str) -> Requeued:
        """In the caller's (authorized) transaction: cancel each (document, vector DB) pair's active job
        and queue a new one. For changes that make a running job's work wrong (new text, a new model):
        it read both when it began. Committed with the change, the new rows run at the next start if
        this process stops first. After the commit, call `halt` (old tasks stop), then `launch`."""
        jobs = EmbeddingJobRepository(session)
        now = datetime.now(UTC)
        cancelled: list[EmbeddingJob] = []
        queued: list[EmbeddingJob] = []
        for document_id, vector_db_id in pairs:
            for job in await jobs.list(document_id=document_id, vector_db_id=vector_db_id, statuses=ACTIVE):
                await jobs.update(job.id, status=JobStatus.CANCELLED, error=reason[:2000], finished_at=now)
                cancelled.append(replace(job, status=JobStatus.CANCELLED, error=reason[:2000], finished_at=now))
            queued.append(await jobs.add(document_id=document_id, vector_db_id=vector_db_id,
                                         requested_by_id=requested_by_id, status=JobStatus.QUEUED))
        return Requeued(tuple(cancelled), tuple(queued))

    async def halt(self, requeued: Requeued) -> None:
        """Once `requeue`'s transaction committed: stop the tasks of the jobs it cancelled."""
        for job in requeued.cancelled:
            await self._halt(job.id)
            self.runner.publish(TOPIC_STATUS, JobProgress.of(job), job.requested_by_id)

    def launch(self, requeued: Requeued) -> None:
        """Once the old tasks are halted: start the jobs `requeue` queued."""
        for job in requeued.queued:
            self._announce(job)
            self._spawn(job.id)

    # -- reading -----------------------------------------------------------------------------------

    async def _visible_job(self, session: AsyncSession, actor: Actor, job_id: int, action: Action) -> EmbeddingJob:
        job = await EmbeddingJobRepository(session).get(job_id)
        if job is None:
            raise NotFound(f"embedding job {job_id} not found")
        if job.requested_by_id is not None and job.requested_by_id == actor.id:
            return job
        vector_db = await VectorDbRepository(session).get(job.vector_db_id)
        if vector_db is None:
            raise NotFound(f"embedding job {job_id} not found")
        try:
            authorize(actor, action, vector_db)
        except NotFound:
            raise NotFound(f"embedding job {job_id} not found") from None
        return job

    async def get(self, actor: Actor, job_id: int) -> EmbeddingJob:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            return await self._visible_job(session, actor, job_id, Action.READ)

    async def list(self, actor: Actor, *, vector_db_id: int | None = None, document_id: int | None = None,
                   active_only: bool = False) -> list[EmbeddingJob]:
        """Jobs of a vector DB the actor can read, else the actor's own jobs (optionally of one document)."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            statuses = ACTIVE if active_only else None
            jobs = EmbeddingJobRepository(session)
            if vector_db_id is not None:
                await load(VectorDbRepository(session), actor, vector_db_id, Action.READ, "vector DB")
                return await jobs.list(vector_db_id=vector_db_id, document_id=document_id, statuses=statuses)
            if actor.id is None:  # the operator sees everything
                return await jobs.list(document_id=document_id, statuses=statuses)
            return await jobs.list(document_id=document_id, statuses=statuses, requested_by_id=actor.id)

    # -- cancelling --------------------------------------------------------------------------------

    async def cancel(self, actor: Actor, job_id: int) -> EmbeddingJob:
        """Stop a queued or running job; chunks already stored stay searchable. Finished jobs are
        returned unchanged."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            job = await self._visible_job(session, actor, job_id, Action.UPDATE)
        if job.status in TERMINAL:
            return job
        return await self._stop(job, f"cancelled by {actor.name}")

    async def cancel_where(self, *, document_id: int | None = None, vector_db_id: int | None = None,
                           reason: str) -> None:
        """Cancel every active job of a document or vector DB that is about to go (already authorized)."""
        async with self.ctx.db.reading() as session:
            jobs = await EmbeddingJobRepository(session).list(document_id=document_id, vector_db_id=vector_db_id,
                                                              statuses=ACTIVE)
        for job in jobs:
            await self._stop(job, reason)

    async def _halt(self, job_id: int) -> None:
        """Stop the job's task, if it has one here, without touching its record."""
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({task}, timeout=self._stop_timeout_s)

    async def _stop(self, job: EmbeddingJob, reason: str) -> EmbeddingJob:
        await self._halt(job.id)
        async with self.ctx.db.transaction() as session:
            jobs = EmbeddingJobRepository(session)
            current = await jobs.get(job.id)
            if current is None or current.status in TERMINAL:
                return current or job  # it finished (or vanished) before the cancel landed
            await jobs.update(job.id, status=JobStatus.CANCELLED, error=reason[:2000], finished_at=datetime.now(UTC))
            current = await jobs.get(job.id) or job
        self.runner.publish(TOPIC_STATUS, JobProgress.of(current), current.requested_by_id)
        return current

    async def resume(self, actor: Actor, job_id: int) -> EmbeddingJob:
        """Run a failed or cancelled job again from the chunks it had stored, checked as `enqueue` is.
        Only a pair's latest job resumes (a later one, for a replaced text or a new model, supersedes
        it); a job that is done or under way is returned as it is."""
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            job = await self._visible_job(session, actor, job_id, Action.UPDATE)
            authorize(actor, Action.CREATE, Kind.EMBEDDING_JOB)
            await load(DocumentRepository(session), actor, job.document_id, Action.READ, "document")
            vector_db = await load(VectorDbRepository(session), actor, job.vector_db_id, Action.UPDATE, "vector DB")
            await authorize_model(session, actor, vector_db.embedding_model)
            if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
                return job
            jobs = EmbeddingJobRepository(session)
            latest = (await jobs.list(document_id=job.document_id, vector_db_id=job.vector_db_id))[-1]
            if latest.id != job.id:
                raise Conflict(f"job {latest.id} embeds this document into this vector DB since; resume that one")
            await jobs.update(job.id, status=JobStatus.QUEUED, error=None, finished_at=None)
            job = await jobs.get(job.id) or job
        self._announce(job)
        self._spawn(job.id)
        return job

    # -- following ---------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def watch(self, actor: Actor) -> AsyncIterator[JobFeed]:
        """Every report (progress, state, end) of the jobs the actor asked for, as they happen: for a
        session to show live progress and to say when a job ends, on whatever screen it is."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
        async with self.ctx.events.subscribe("job", user_id=actor.id) as subscription:
            yield JobFeed(subscription, self.runner.latest(actor.id))

    async def progress(self, actor: Actor, job_id: int) -> AsyncIterator[JobProgress]:
        """The job's state now, then every change until it is done, failed or cancelled.

        Never ends for a job whose process stopped; callers bound the wait (see `wait`).
        """
        async with self.ctx.events.subscribe("job") as subscription:
            job = await self.get(actor, job_id)  # subscribed first, so no change is missed
            yield JobProgress.of(job)
            if job.status in TERMINAL:
                return
            while True:
                event = await subscription.get()
                if event.data.get("job_id") != job_id:
                    continue
                report = JobProgress.from_event(event.data)
                yield report
                if report.finished:
                    return

    async def wait(self, actor: Actor, job_id: int, timeout_s: float = 600.0) -> EmbeddingJob:
        """Wait until the job ends and return it; Unavailable if it is still going after `timeout_s`."""
        try:
            async with asyncio.timeout(timeout_s), contextlib.aclosing(self.progress(actor, job_id)) as reports:
                async for report in reports:
                    if report.finished:
                        break
        except TimeoutError:
            raise Unavailable(f"embedding job {job_id} is still running after {timeout_s:g} s") from None
        return await self.get(actor, job_id)
