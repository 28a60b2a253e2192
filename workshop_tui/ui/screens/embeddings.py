"""Embeddings: your jobs, each with a live progress bar (chunks done of total), its rate, the time
left, its state and, when it failed, why; starting jobs, cancelling and resuming them. The jobs run
in the services whatever screen is open, and this screen follows them as they go."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from workshop_tui.domain.enums import JobStatus
from workshop_tui.services.access import Kind
from workshop_tui.services.embedding_runner import JobProgress
from workshop_tui.ui.formatting import bar_text, duration, seconds_left
from workshop_tui.ui.job_watch import follow_jobs
from workshop_tui.ui.permissions import may_create
from workshop_tui.ui.screens.modals.start_jobs import start_jobs
from workshop_tui.ui.screens.resource import ResourceScreen
from workshop_tui.ui.text import plain

COLUMNS = (("Document", 16), ("Vector DB", 12), ("Progress", 16), ("Rate", 7), ("Left", 8), ("State", 9))
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
STOPPED = (JobStatus.FAILED, JobStatus.CANCELLED)


class JobReported(Message):
    """A job's new state; a newer report of the same job replaces one still queued (progress merges)."""

    def __init__(self, report: JobProgress) -> None:
        super().__init__()
        self.report = report

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JobReported) and message.report.job_id == self.report.job_id


def progress_cells(report: JobProgress) -> tuple[str, str, str]:
    """Progress ('████░░░░ 12/40'), rate ('4.2/s') and time left, as the table shows them."""
    chunks = f"{report.done}/{report.total}" if report.total else "—"
    rate = f"{report.rate:.1f}/s" if report.rate and report.status is JobStatus.RUNNING else "—"
    left = duration(seconds_left(report.done, report.total, report.rate)) \
        if report.status is JobStatus.RUNNING else "—"
    return f"{bar_text(report.done, report.total, 8)} {chunks}", rate, left


class EmbeddingsScreen(ResourceScreen):
    CSS_PATH = ["resource.tcss", "embeddings.tcss"]
    AUTO_FOCUS = "#jobs"
    TABLE = "jobs"
    ACTIONS = (("start", "Start jobs"), ("cancel", "Cancel"), ("resume", "Resume"))
    DANGER = frozenset({"cancel"})
    BINDINGS = [
        Binding("n", "start", "Start jobs", id="embeddings.start", tooltip="Embed documents into a vector DB"),
        Binding("x", "cancel", "Cancel", id="embeddings.cancel",
                tooltip="Stop this job; the chunks stored so far stay searchable"),
        Binding("r", "resume", "Resume", id="embeddings.resume",
                tooltip="Run this stopped job again from the chunks it had stored"),
    ]

    def __init__(self, place):  # type: ignore[no-untyped-def]
        super().__init__(place)
        self.jobs: dict[int, JobProgress] = {}
        self.live: dict[int, JobProgress] = {}
        """The latest report of each job from the feed: fresher than a reading (counts are stored every
        half second), and never older, since every change is published after it is written."""
        self.titles: dict[int, str] = {}
        self.vector_db_names: dict[int, str] = {}

    def compose_body(self) -> ComposeResult:
        yield from self.compose_actions()
        table: DataTable[Any] = DataTable(id="jobs", cursor_type="row")
        for label, width in COLUMNS:
            table.add_column(label, width=width, key=label)
        yield table
        yield Static("", id="job-detail")
        yield Static("", id="status")

    def on_mount(self) -> None:
        self.sync_actions()
        self._follow()

    # -- the list ------------------------------------------------------------------------------------

    @work(group="embeddings-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        knowledge = self.workshop_app.services.knowledge
        jobs = await self.ask(knowledge.jobs.list, "Embedding jobs")
        documents = await self.ask(knowledge.documents.list, "Embedding jobs")
        vector_dbs = await self.ask(knowledge.vector_dbs.list, "Embedding jobs")
        if jobs is None or documents is None or vector_dbs is None:
            return
        self.titles = {d.id: d.title for d in documents}
        self.vector_db_names = {v.id: v.name for v in vector_dbs}
        self.jobs = {job.id: self.live.get(job.id) or JobProgress.of(job) for job in reversed(jobs)}  # newest first
        self.fill((job_id, self._cells(report)) for job_id, report in self.jobs.items())
        self.status("" if jobs else "No embedding jobs yet: press n to embed documents into a vector DB.")
        self._show_detail()
        self.sync_actions()

    def _cells(self, report: JobProgress) -> list[Any]:
        progress, rate, left = progress_cells(report)
        return [plain(self.titles.get(report.document_id, f"document {report.document_id}")),
                plain(self.vector_db_names.get(report.vector_db_id, f"vector DB {report.vector_db_id}")),
                plain(progress), plain(rate), plain(left), plain(report.status.value)]

    def selected(self) -> JobProgress | None:
        return self.jobs.get(self.selected_id() or -1)

    def _show_detail(self) -> None:
        report = self.selected()
        detail = self.query_one("#job-detail", Static)
        detail.set_class(report is not None and report.status is JobStatus.FAILED, "error")
        if report is None:
            detail.update("")
            return
        title = self.titles.get(report.document_id, f"document {report.document_id}")
        into = self.vector_db_names.get(report.vector_db_id, f"vector DB {report.vector_db_id}")
        text = f"“{title}” into “{into}”: {report.status.value}, {report.done:,} of {report.total:,} chunks"
        if report.status is JobStatus.RUNNING and report.rate:
            left = duration(seconds_left(report.done, report.total, report.rate))
            text += f", {report.rate:.1f} chunks/s, about {left} left"
        if report.error:
            text += f".\nWhy: {report.error}"
        if report.status in STOPPED:
            text += "\nPress r to resume it from the chunks it had stored."
        detail.update(plain(text))

    @on(DataTable.RowHighlighted, "#jobs")
    def _highlighted(self) -> None:
        self._show_detail()
        self.sync_actions()

    # -- following the jobs --------------------------------------------------------------------------

    @work(group="embeddings-follow", exclusive=True, exit_on_error=False)
    async def _follow(self) -> None:
        app = self.workshop_app
        if app.actor is not None:
            await follow_jobs(app, app.actor, self._report, on_gap=self._load)

    async def _report(self, report: JobProgress) -> None:
        self.post_message(JobReported(report))

    @on(JobReported)
    def _reported(self, message: JobReported) -> None:
        report = self.live[message.report.job_id] = message.report
        if report.job_id not in self.jobs:  # started elsewhere (or queued again): read the list, newest first
            self._load()
            return
        self.jobs[report.job_id] = report
        table = self.query_one("#jobs", DataTable)
        for (label, _width), value in zip(COLUMNS, self._cells(report), strict=True):
            table.update_cell(str(report.job_id), label, value)
        if report.job_id == self.selected_id():
            self._show_detail()
            self.sync_actions()

    # -- acting on jobs ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        user = self.workshop_app.user
        chosen = self.selected()
        if action == "start":
            return may_create(user, Kind.EMBEDDING_JOB)
        if action == "cancel":
            return chosen is not None and chosen.status in ACTIVE
        if action == "resume":
            return chosen is not None and chosen.status in STOPPED and may_create(user, Kind.EMBEDDING_JOB)
        return True

    @work(group="embeddings-act", exclusive=True, exit_on_error=False)
    async def action_start(self) -> None:
        if await start_jobs(self.app):
            self._load()

    def action_cancel(self) -> None:
        self._act("cancel")

    def action_resume(self) -> None:
        self._act("resume")

    @work(group="embeddings-act", exclusive=True, exit_on_error=False)
    async def _act(self, action: str) -> None:
        """Cancel or resume the selected job; the feed then shows what became of it."""
        chosen = self.selected()
        if chosen is None or not self.check_action(action, ()):
            return
        jobs = self.workshop_app.services.knowledge.jobs
        call = jobs.cancel if action == "cancel" else jobs.resume
        await self.ask(lambda actor: call(actor, chosen.job_id), "Cancelling" if action == "cancel" else "Resuming")

    def palette_commands(self) -> Iterable[SystemCommand]:
        if may_create(self.workshop_app.user, Kind.EMBEDDING_JOB):
            yield SystemCommand("Start embedding jobs", "Embed documents into a vector DB", self.action_start)
        if self.check_action("cancel", ()):
            yield SystemCommand("Cancel the job", "Stop it; what is stored stays searchable", self.action_cancel)
        if self.check_action("resume", ()):
            yield SystemCommand("Resume the job", "From the chunks it had stored", self.action_resume)
