"""Telling the signed-in person when one of their embedding jobs ends, on whatever screen they are.

The jobs run in the services whatever the screen; this follows the session's own jobs through the
event bus (`EmbeddingJobService.watch`) and says when one is done, failed (with the reason) or
cancelled. It runs as the app's own work from the moment the places open until sign-out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.errors import ServiceError
from workshop_tui.ui.text import say

if TYPE_CHECKING:
    from workshop_tui.services.access import Actor
    from workshop_tui.services.embedding_runner import JobProgress
    from workshop_tui.ui.app import WorkshopApp

GROUP = "job-watch"


def watch_jobs(app: WorkshopApp, actor: Actor) -> None:
    """Follow `actor`'s jobs from now on (instead of anyone's followed before)."""
    app.run_worker(_follow(app, actor), group=GROUP, exclusive=True, exit_on_error=False)


def stop_watching_jobs(app: WorkshopApp) -> None:
    app.workers.cancel_group(app, GROUP)


async def _follow(app: WorkshopApp, actor: Actor) -> None:
    try:
        async with app.services.knowledge.jobs.watch(actor) as feed:
            while True:
                report = await feed.get()
                if report.finished:
                    await _tell(app, actor, report)
    except ServiceError:
        return  # the account may no longer act: the account's own watch signs it out with the reason


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
