"""Running one embedding job: chunk the document, embed in batches, store points, record progress.

The order of work is what makes a job safe to kill at any moment:
- point ids are deterministic (document id, chunk index), so storing a chunk twice overwrites it;
- `chunks_done` is written only after its batch is stored, and batches are stored in order, so it
  always counts a stored prefix and a resumed job skips exactly those chunks;
- a re-embedding that yields fewer chunks than an earlier one removes the document's old points
  first, so no stale tail survives; otherwise points are overwritten in place and the document
  stays searchable throughout.

Chunking a large document is CPU work and runs in a thread; Qdrant calls run on the store's own
worker thread. The event loop only shuffles batches and JSON.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.chunking import Chunk, chunk_markdown
from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.errors import ServiceError
from workshop_tui.domain.models import Document, EmbeddingJob, VectorDb
from workshop_tui.ollama import ModelBusy, OllamaError, Unreachable
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.embedder import Embedder
from workshop_tui.services.events import Subscription
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.vectors import VectorPoint, VectorStore, point_id

log = get_logger(__name__)
TOPIC_PROGRESS = "job.progress"
TOPIC_STATUS = "job.status"
TERMINAL = frozenset({JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED})
PERSIST_EVERY_S = 0.5
EMBED_AHEAD = 2  # batches embedded ahead of the store, beyond the requests in flight
UPSERTS_QUEUED = 2  # batches waiting on the store's thread behind the one it is storing


@dataclass(frozen=True)
class JobProgress:
    """One progress report, as published on the event bus and yielded by `EmbeddingJobService.progress`."""

    job_id: int
    document_id: int
    vector_db_id: int
    status: JobStatus
    done: int
    total: int
    rate: float | None = None  # chunks per second in the current run
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 and self.finished else (self.done / self.total if self.total else 0.0)

    @classmethod
    def of(cls, job: EmbeddingJob, rate: float | None = None) -> JobProgress:
        return cls(job.id, job.document_id, job.vector_db_id, job.status, job.chunks_done, job.chunks_total,
                   rate, job.error)

    @classmethod
    def from_event(cls, data: Mapping[str, Any]) -> JobProgress:
        """The report a `job.progress` or `job.status` event carries (see `JobRunner.publish`)."""
        return cls(data["job_id"], data["document_id"], data["vector_db_id"], JobStatus(data["status"]),
                   data["done"], data["total"], data.get("rate"), data.get("error"))


class JobFeed:
    """Reports of the jobs a subscription follows, as they come (see `EmbeddingJobService.watch`)."""

    def __init__(self, subscription: Subscription, now: list[JobProgress] | None = None) -> None:
        self._subscription = subscription
        self._now = deque(now or ())

    async def get(self, timeout: float | None = None) -> JobProgress:  # noqa: ASYNC109 - a bounded wait for callers
        """The next report (first, the latest one of each job running when the feed opened: fresher
        than the stored count); TimeoutError after `timeout` seconds without one."""
        if self._now:
            return self._now.popleft()
        return JobProgress.from_event((await self._subscription.get(timeout)).data)

    @property
    def dropped(self) -> int:
        """Reports lost because the reader fell behind (a screen then reads the jobs again)."""
        return self._subscription.dropped


def chunks_of(ctx: ServiceContext, text: str) -> list[Chunk]:
    """The document's chunks with the configured size and overlap (the same every time)."""
    limits = ctx.settings.documents
    return chunk_markdown(text, size=limits.chunk_size, overlap=limits.chunk_overlap,
                          min_chunk=min(200, limits.chunk_size // 5))


def chunk_payload(document: Document, vector_db: VectorDb, chunk: Chunk) -> dict[str, object]:
    """What each point carries: enough to cite the chunk and to delete the document's points."""
    return {
        "document_id": document.id,
        "chunk_index": chunk.index,
        "title": document.title,
        "source": document.original_filename or document.source,
        "heading_path": list(chunk.heading_path),
        "start": chunk.start,
        "end": chunk.end,
        "location": chunk.location,
        "text": chunk.text,
        "embedding_model": vector_db.embedding_model,
    }


class JobRunner:
    """Runs jobs by id. Cancellation (of the task) stops it without touching its record; the
    service decides whether that was a user's cancel or a shutdown to resume from."""

    def __init__(self, ctx: ServiceContext, store: VectorStore, embedder: Embedder) -> None:
        self.ctx = ctx
        self.store = store
        self.embedder = embedder
        self._latest: dict[int, tuple[int | None, JobProgress]] = {}
        """The last report of each unfinished job published here, with who asked for it."""

    def latest(self, user_id: int) -> list[JobProgress]:
        """The last report of each of `user_id`'s unfinished jobs (a stored count lags by up to
        `PERSIST_EVERY_S`, and a stalled job sends nothing more to catch up with)."""
        return [progress for owner, progress in self._latest.values() if owner == user_id]

    def publish(self, topic: str, progress: JobProgress, user_id: int | None) -> None:
        if progress.finished:
            self._latest.pop(progress.job_id, None)
        else:
            self._latest[progress.job_id] = (user_id, progress)
        self.ctx.events.publish(topic, user_id=user_id, job_id=progress.job_id, document_id=progress.document_id,
                                vector_db_id=progress.vector_db_id, status=progress.status.value,
                                done=progress.done, total=progress.total, rate=progress.rate, error=progress.error)

    async def _set(self, job: EmbeddingJob, rate: float | None = None, **fields: object) -> EmbeddingJob:
        """Write the job's new state, unless it was cancelled meanwhile (then its record stays cancelled)."""
        async with self.ctx.db.transaction() as session:
            jobs = EmbeddingJobRepository(session)
            changed = await jobs.update(job.id, only_active=True, **fields)
            fresh = await jobs.get(job.id)
        current = fresh or job
        if changed:
            self.publish(TOPIC_STATUS, JobProgress.of(current, rate), job.requested_by_id)
        return current

    async def run(self, job_id: int, on_all_embedded: Callable[[], None] | None = None) -> None:
        """Run (or resume) one job to done or failed; ``on_all_embedded`` is called once every batch
        has its vectors, when only the job's last upserts remain."""
        async with self.ctx.db.transaction() as session:
            job = await EmbeddingJobRepository(session).get(job_id)
            if job is None or job.status in TERMINAL:
                return
            document = await DocumentRepository(session).get(job.document_id)
            vector_db = await VectorDbRepository(session).get(job.vector_db_id)
        if document is None or vector_db is None:
            return  # deleted meanwhile; the job row went with it
        try:
            chunks = await asyncio.to_thread(chunks_of, self.ctx, document.text)
            job = await self._start(job, document, vector_db, len(chunks))
            if job.status is not JobStatus.RUNNING:
                return  # cancelled (its document replaced, its model changed) before it began
            await self._embed(job, document, vector_db, chunks, on_all_embedded or (lambda: None))
        except asyncio.CancelledError:
            raise
        except (ModelBusy, Unreachable) as error:
            await self._fail(job, f"gave up after {self.embedder.retry.attempts} tries: {error}")
        except (OllamaError, ServiceError) as error:
            await self._fail(job, str(error))
        except Exception as error:
            log.exception("embedding job %s failed unexpectedly", job.id)
            await self._fail(job, f"unexpected error: {type(error).__name__}: {error}")

    async def _start(self, job: EmbeddingJob, document: Document, vector_db: VectorDb, total: int) -> EmbeddingJob:
        """Mark the job running with its chunk count, in one write. A job resumed over the same chunks
        keeps its stored prefix; otherwise it starts over, and when an earlier job stored more chunks
        for this pair than there are now, the document's old points go first (no stale tail)."""
        start = job.chunks_done if job.chunks_total == total else 0
        earlier = 0
        if start == 0:
            async with self.ctx.db.reading() as session:
                earlier = await EmbeddingJobRepository(session).largest_total(document.id, vector_db.id,
                                                                              excluding=job.id)
        current = await self._set(job, status=JobStatus.RUNNING, started_at=job.started_at or datetime.now(UTC),
                                  attempts=job.attempts + 1, error=None, finished_at=None, chunks_total=total,
                                  chunks_done=start)
        if current.status is JobStatus.RUNNING and start == 0 and max(earlier, job.chunks_total) > total:
            await self.store.delete_document(vector_db.collection_name, document.id)
        return current

    async def _fail(self, job: EmbeddingJob, reason: str) -> None:
        log.info("embedding job %s failed: %s", job.id, reason)
        await self._set(job, status=JobStatus.FAILED, error=reason[:2000], finished_at=datetime.now(UTC))

    async def _embed(self, job: EmbeddingJob, document: Document, vector_db: VectorDb, chunks: list[Chunk],
                     on_all_embedded: Callable[[], None]) -> None:
        total, start = len(chunks), job.chunks_done
        size = self.ctx.settings.documents.embed_batch_size
        groups = iter([chunks[i : i + size] for i in range(start, total, size)])
        progress = _Progress(self, job, start)
        # Two queues keep both ends busy. Embeds are launched ahead (the embedder's semaphore still lets
        # only `max_in_flight` reach Ollama), so a freed slot is taken at once; and upserts wait on the
        # store's thread behind the running one, enough to cover the next job's start once this one
        # has all its vectors and hands its slot on. Neither end waits for the other.
        embeds: deque[tuple[Sequence[Chunk], asyncio.Task[list[list[float]]]]] = deque()
        upserts: deque[tuple[int, asyncio.Task[None]]] = deque()

        def launch_embed() -> None:
            group = next(groups, None)
            if group is not None:
                texts = [c.text for c in group]
                embeds.append((group, asyncio.create_task(
                    self.embedder.embed_documents(vector_db.embedding_model, texts))))

        async def finish_upsert() -> None:
            count, task = upserts.popleft()
            await task
            await progress.add(count)

        try:
            for _ in range(self.embedder.max_in_flight + EMBED_AHEAD):
                launch_embed()
            while embeds:
                group, task = embeds.popleft()
                vectors = await task
                launch_embed()
                if not embeds:
                    on_all_embedded()
                points = [VectorPoint(point_id(document.id, c.index), v, chunk_payload(document, vector_db, c))
                          for c, v in zip(group, vectors, strict=True)]
                upserts.append((len(points), asyncio.create_task(
                    self.store.upsert(vector_db.collection_name, points, batch_size=max(1, len(points))))))
                while len(upserts) > UPSERTS_QUEUED:
                    await finish_upsert()
            while upserts:
                await finish_upsert()
        finally:
            leftovers = [task for _, task in embeds] + [task for _, task in upserts]
            for task in leftovers:
                task.cancel()
            if leftovers:
                await asyncio.gather(*leftovers, return_exceptions=True)
        await self._set(progress.job, progress.rate(), status=JobStatus.DONE, chunks_done=total,
                        finished_at=datetime.now(UTC))


class _Progress:
    """Counts stored chunks: publishes every batch (cheap) and writes the count to the database at
    most every `PERSIST_EVERY_S` (a write per batch would put SQLite latency between upserts). A
    resumed job may therefore redo a few batches, which deterministic ids make harmless."""

    def __init__(self, runner: JobRunner, job: EmbeddingJob, done: int) -> None:
        self.runner = runner
        self.job = job
        self.done = done
        self.stored = 0
        self.began = self.persisted_at = time.monotonic()

    def rate(self) -> float | None:
        return self.stored / max(time.monotonic() - self.began, 1e-6) if self.stored else None

    async def add(self, count: int) -> None:
        self.done += count
        self.stored += count
        self.job = replace(self.job, chunks_done=self.done)
        self.runner.publish(TOPIC_PROGRESS, JobProgress.of(self.job, self.rate()), self.job.requested_by_id)
        if time.monotonic() - self.persisted_at >= PERSIST_EVERY_S:
            self.persisted_at = time.monotonic()
            async with self.runner.ctx.db.transaction() as session:
                await EmbeddingJobRepository(session).update(self.job.id, chunks_done=self.done)
