"""The vector work of an import, after its transaction committed: collections, then embedding jobs.

The jobs are ordinary embedding jobs (queued rows the transaction wrote), run here through the job
service so their progress, resumption and failure handling are the app's own. Only this import's
jobs are run: old jobs of a stopped server stay queued for that server.

When something fails now, the class is already in the database and stays there: nothing is rolled
back, because every row is valid without its vectors. What failed is left resumable instead (a
collection is created again if missing, a failed or interrupted job is queued again), the result
says so, and ``workshop-tui import FILE`` once more finishes the work.
"""

from __future__ import annotations

import time

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.enums import Distance, JobStatus
from workshop_tui.domain.errors import WorkshopError
from workshop_tui.services.embedding_jobs import EmbeddingJobService
from workshop_tui.services.embedding_runner import TERMINAL, TOPIC_STATUS
from workshop_tui.services.events import Event
from workshop_tui.services.workshop_file.changes import Change
from workshop_tui.services.workshop_file.result import ImportResult, JobOutcome, Progress
from workshop_tui.services.workshop_file.writer import Written
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.vectors import VectorStore

log = get_logger(__name__)
POLL_S = 1.0  # status events say when a job ended; the database is read this often in case one was missed


def _again(source: str) -> str:
    return f"run 'workshop-tui import {source}' again to finish it once the cause is fixed"


async def make_collections(store: VectorStore, written: Written, result: ImportResult, *, source: str,
                           progress: Progress, ready_timeout_s: float) -> bool:
    """Create the collections the committed vector DBs need and drop the ones a model change replaced."""
    wanted = [v for v in written.vector_dbs.values() if v.collection_name in written.new_collections]
    if not wanted and not written.old_collections:
        return True
    try:
        await store.wait_ready(ready_timeout_s)
        for number, vdb in enumerate(wanted, start=1):
            progress.advance(f"creating the collection of '{vdb.name}'", number, len(wanted))
            await store.ensure_collection(vdb.collection_name, vdb.dimension, Distance(vdb.distance))
    except WorkshopError as error:
        result.vector_failure = (f"the vector store failed while creating collections: {error}. The database "
                                 f"holds the whole class and its embedding jobs are queued; {_again(source)}")
        return False
    for name in written.old_collections:
        try:
            await store.drop_collection(name)
        except WorkshopError as error:  # an orphan collection wastes space but harms nothing
            log.warning("could not drop replaced collection %s: %s", name, error)
    return True


async def run_jobs(db: Database, jobs: EmbeddingJobService, written: Written, result: ImportResult, *,
                   source: str, progress: Progress, timeout_s: float) -> None:
    """Run this import's jobs (at most the service's limit at once) and wait for each to end."""
    if not written.jobs:
        return
    status: dict[int, JobStatus] = {}
    deadline = time.monotonic() + timeout_s
    async with jobs.ctx.events.subscribe(TOPIC_STATUS) as events:  # status changes only, not per-chunk progress
        names: dict[int, Change] = {}
        for queued in written.jobs:  # the rows are queued already: submit finds each and starts its task
            job = await jobs.submit(queued.document_id, queued.vector_db_id, None)
            names[job.id] = queued.change
        total = len(names)
        stale = True  # read the database: at the start, when one of ours ended, or every POLL_S anyway
        read_at = 0.0
        while True:
            if stale or time.monotonic() - read_at >= POLL_S:
                unfinished = [job_id for job_id in names if job_id not in status]
                found = await _statuses(db, unfinished)
                read_at = time.monotonic()
                stale = False
                for job_id in unfinished:
                    state = found.get(job_id, JobStatus.CANCELLED)
                    if state in TERMINAL:
                        status[job_id] = state
                        change = names[job_id]
                        progress.advance(f"embedding {change.name}", len(status), total)
            if len(status) == total:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            dropped = events.dropped
            try:
                stale = _ended(await events.get(min(POLL_S, remaining)), names, status)
                while events.pending():
                    stale = _ended(await events.get(0), names, status) or stale
            except TimeoutError:
                stale = True  # a quiet second: read in case an event was missed
            stale = stale or events.dropped != dropped
    await _outcomes(db, names, result, source, timeout_s)
    done = sum(j.status is JobStatus.DONE for j in result.jobs)
    progress.step(f"embedding finished: {done} of {len(result.jobs)} job(s) done")


def _ended(event: Event, names: dict[int, Change], status: dict[int, JobStatus]) -> bool:
    """Whether the event says one of this import's unfinished jobs reached a terminal status."""
    job_id = event.data.get("job_id")
    if job_id not in names or job_id in status:
        return False
    try:
        return JobStatus(event.data.get("status")) in TERMINAL
    except ValueError:
        return True  # an unexpected status: let the database say


async def _statuses(db: Database, ids: list[int]) -> dict[int, JobStatus]:
    """The status of each still existing job among `ids`, in one query; none if there are no ids."""
    if not ids:
        return {}
    async with db.reading() as session:
        return await EmbeddingJobRepository(session).statuses(ids)


async def _outcomes(db: Database, names: dict[int, Change], result: ImportResult, source: str,
                    timeout_s: float) -> None:
    async with db.reading() as session:
        repo = EmbeddingJobRepository(session)
        for job_id, change in names.items():
            job = await repo.get(job_id)
            status = job.status if job is not None else JobStatus.CANCELLED
            result.jobs.append(JobOutcome(change.extra["vector_db"], change.extra["document"][1], status,
                                          job.error if job else "deleted meanwhile"))
    failed = [j for j in result.jobs if j.status is not JobStatus.DONE]
    if not failed:
        return
    waiting = [j for j in failed if j.status not in TERMINAL]
    first = next((j for j in failed if j.error), failed[0])
    why = f" (first error: '{first.document}' into '{first.vector_db}': {first.error})" if first.error else ""
    still = f"; {len(waiting)} still running after {timeout_s:g} s were stopped" if waiting else ""
    result.vector_failure = (f"{len(failed)} of {len(result.jobs)} embedding job(s) did not finish{why}{still}. "
                             f"The database holds the whole class; the unfinished documents are not searchable yet "
                             f"and were left resumable: {_again(source)}")
