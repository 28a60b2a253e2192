"""Following the signed-in person's embedding jobs through the event bus (`EmbeddingJobService.watch`).

`follow_jobs` is the one loop: the Embeddings screen shows every report as it comes, the Vector DBs
screen describes a vector DB again when a job into it ends, and the app itself (`watch_jobs`, from
the moment the places open until sign-out) says on whatever screen is open when a job is done, has
failed (with the reason) or was cancelled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.errors import ServiceError
from workshop_tui.ui.text import say

if TYPE_CHECKING:
    from workshop_tui.services.access import Actor
    from workshop_tui.services.embedding_runner import JobProgress
    from workshop_tui.ui.app import WorkshopApp

GROUP = "job-watch"
RECHECK_S = 30.0  # with no report for this long, read again (a job run by another process sends none)
OnReport = Callable[["JobProgress"], Awaitable[None]]


async def follow_jobs(app: WorkshopApp, actor: Actor, on_report: OnReport,
                      on_gap: Callable[[], None] = lambda: None) -> None:
    """Give `on_report` every report of `actor`'s jobs until cancelled. `on_gap` is called once
    following (read what is there now: nothing is missed between the reading and the feed), and
    whenever reports may have been missed. Returns quietly once the account may no longer act: the
    account's own watch signs it out with the reason."""
    try:
        async with app.services.knowledge.jobs.watch(actor) as feed:
            on_gap()
            dropped = 0
            while True:
                try:
                    report = await feed.get(timeout=RECHECK_S)
                except TimeoutError:
                    on_gap()
                    continue
                if feed.dropped != dropped:  # the reader fell behind and lost some
                    dropped = feed.dropped
                    on_gap()
                await on_report(report)
    except ServiceError:
        return


def watch_jobs(app: WorkshopApp, actor: Actor) -> None:
    """Say when one of `actor`'s jobs ends, on any screen (instead of anyone's followed before)."""

    async def tell(report: JobProgress) -> None:
        if report.finished:
            await _tell(app, actor, report)

    app.run_worker(follow_jobs(app, actor, tell), group=GROUP, exclusive=True, exit_on_error=False)


def stop_watching_jobs(app: WorkshopApp) -> None:
    app.workers.cancel_group(app, GROUP)


async def _tell(app: WorkshopApp, actor: Actor, report: JobProgress) -> None:
    knowledge = app.services.knowledge
    try:
        documents = await app.call(knowledge.documents.list(actor))
        into = f"“{(await app.call(knowledge.vector_dbs.get(actor, report.vector_db_id))).name}”"
    except ServiceError:
        documents, into = [], f"vector DB {report.vector_db_id}"
    title = next((f"“{d.title}”" for d in documents if d.id == report.document_id), f"document {report.document_id}")
    if report.status is JobStatus.DONE:
        say(app, f"{title} is embedded into {into}: {report.total:,} chunk(s).", title="Embedding done", timeout=10)
    elif report.status is JobStatus.FAILED:
        say(app, f"{title} into {into}: {report.error or 'no reason given'}", title="Embedding failed",
            severity="error", timeout=20)
    else:
        say(app, f"{title} into {into}: {report.error or 'cancelled'}", title="Embedding cancelled",
            severity="warning", timeout=10)
