"""Telling the signed-in person when one of their embedding jobs ends, on whatever screen they are.

The jobs run in the services whatever the screen; this follows the session's own jobs through the
event bus (`EmbeddingJobService.watch`) and says when one is done, failed (with the reason) or
cancelled. It runs as the app's own work from the moment the places open until sign-out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.worker import Worker

from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.errors import ServiceError
from workshop_tui.ui.text import say

if TYPE_CHECKING:
    from workshop_tui.services.access import Actor
    from workshop_tui.services.embedding_runner import JobProgress
    from workshop_tui.ui.app import WorkshopApp


class JobWatch:
    def __init__(self, app: WorkshopApp) -> None:
        self.app = app
        self._worker: Worker[None] | None = None

    def start(self, actor: Actor) -> None:
        self.stop()
        self._worker = self.app.run_worker(self._watch(actor), group="job-watch", exclusive=True,
                                           exit_on_error=False)

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    async def _watch(self, actor: Actor) -> None:
        try:
            async with self.app.services.knowledge.jobs.watch(actor) as feed:
                while True:
                    report = await feed.get()
                    if report.finished:
                        await self._tell(actor, report)
        except ServiceError:
            return  # the account can no longer act: the account watch signs it out with the reason

    async def _tell(self, actor: Actor, report: JobProgress) -> None:
        knowledge = self.app.services.knowledge
        try:
            documents = await self.app.call(knowledge.documents.list(actor))
            vector_db = await self.app.call(knowledge.vector_dbs.get(actor, report.vector_db_id))
            into = f"“{vector_db.name}”"
        except ServiceError:
            documents, into = [], f"vector DB {report.vector_db_id}"
        title = next((f"“{d.title}”" for d in documents if d.id == report.document_id),
                     f"document {report.document_id}")
        if report.status is JobStatus.DONE:
            say(self.app, f"{title} is embedded into {into}: {report.total:,} chunk(s).", title="Embedding done",
                timeout=10)
        elif report.status is JobStatus.FAILED:
            say(self.app, f"{title} into {into}: {report.error or 'no reason given'}", title="Embedding failed",
                severity="error", timeout=20)
        else:
            say(self.app, f"{title} into {into}: {report.error or 'cancelled'}", title="Embedding cancelled",
                severity="warning", timeout=10)
