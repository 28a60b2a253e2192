"""Vector DBs: the ones you may use; what one holds (points, documents, model, dimension, the RAG
systems built on it); creating, changing and deleting one; embedding documents into it; and
searching it, with each hit's score. Names and chunk text are shown as plain text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.models import VectorDb
from workshop_tui.domain.text import one_line
from workshop_tui.services.access import Kind
from workshop_tui.services.embedding_runner import JobProgress
from workshop_tui.services.vector_dbs import VectorDbDetails
from workshop_tui.ui.job_watch import follow_jobs
from workshop_tui.ui.permissions import may_change, may_create
from workshop_tui.ui.screens.modals.confirm import ConfirmModal
from workshop_tui.ui.screens.modals.reading import ReadingModal
from workshop_tui.ui.screens.modals.start_jobs import start_jobs
from workshop_tui.ui.screens.modals.vector_db_form import VectorDbFormModal
from workshop_tui.ui.screens.resource import ResourceScreen
from workshop_tui.ui.service_calls import completed
from workshop_tui.ui.text import plain, say

SEARCH_HITS = 8


def describe(details: VectorDbDetails) -> str:
    """Several lines: the model and size, the documents with their latest job, the RAG systems on it."""
    v = details.vector_db
    points = f"{details.point_count:,} point{'' if details.point_count == 1 else 's'}"
    lines = [f"{v.embedding_model} · {v.dimension} dimensions · {v.distance.value} · {points} · {v.visibility.value}"]
    if v.description:
        lines.append(one_line(v.description, 200))
    if details.documents:
        docs = "; ".join(f"{d.title} ({d.status.value} {d.chunks_done}/{d.chunks_total})" for d in details.documents)
        lines.append(f"Documents ({len(details.documents)}): {docs}")
    else:
        lines.append("No documents yet: press e to embed some.")
    if details.rag_system_names:
        lines.append(f"RAG systems on it: {', '.join(details.rag_system_names)}")
    return "\n".join(lines)


class VectorDbsScreen(ResourceScreen):
    CSS_PATH = ["resource.tcss", "vector_dbs.tcss"]
    AUTO_FOCUS = "#vector-dbs"
    TABLE = "vector-dbs"
    ACTIONS = (("create", "New"), ("change", "Change"), ("embed", "Embed documents"), ("search", "Search"),
               ("delete", "Delete"))
    BINDINGS = [
        Binding("n", "create", "New", id="vector_dbs.new", tooltip="Create a vector DB"),
        Binding("c", "change", "Change", id="vector_dbs.change",
                tooltip="Rename, describe, share, or change the embedding model (re-embeds everything)"),
        Binding("e", "embed", "Embed documents", id="vector_dbs.embed", tooltip="Embed documents into this vector DB"),
        Binding("slash", "search", "Search", id="vector_dbs.search", tooltip="Search this vector DB"),
        Binding("delete,d", "delete", "Delete", id="vector_dbs.delete", tooltip="Delete this vector DB"),
    ]

    def __init__(self, place):  # type: ignore[no-untyped-def]
        super().__init__(place)
        self.vector_dbs: dict[int, VectorDb] = {}
        self.details: VectorDbDetails | None = None
        self.hits: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        yield from self.compose_actions()
        table: DataTable[Any] = DataTable(id="vector-dbs", cursor_type="row")
        for label, width in (("Name", 24), ("Embedding model", 22), ("Dim", 5), ("Visibility", 10)):
            table.add_column(label, width=width, key=label)
        yield table
        yield Static("", id="details")
        yield Input(placeholder="Search this vector DB: type words or a question, then Enter", id="query",
                    compact=True)
        hits: DataTable[Any] = DataTable(id="hits", cursor_type="row")
        for label, width in (("Score", 6), ("Document", 18), ("Where", 20), ("Text", 60)):
            hits.add_column(label, width=width, key=label)
        yield hits

    def on_mount(self) -> None:
        self.sync_actions()
        self._follow()

    @work(group="vector-dbs-follow", exclusive=True, exit_on_error=False)
    async def _follow(self) -> None:
        """Describe the vector DB again when a job of yours into it changes state."""
        app = self.workshop_app
        if app.actor is not None:
            await follow_jobs(app, app.actor, self._job_reported, on_gap=self._load)

    async def _job_reported(self, report: JobProgress) -> None:
        if report.vector_db_id == self.selected_id() and (report.finished or report.status is JobStatus.QUEUED):
            self._describe(report.vector_db_id)

    def on_screen_resume(self) -> None:
        self._load()

    # -- the list and the selected one ---------------------------------------------------------------

    @work(group="vector-dbs-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        found = await self.ask(self.workshop_app.services.knowledge.vector_dbs.list, "Vector DBs")
        if found is None:
            return
        self.vector_dbs = {v.id: v for v in found}
        self.fill((v.id, [plain(v.name), plain(v.embedding_model), plain(v.dimension), plain(v.visibility.value)])
                  for v in found)
        if not found:
            self.details = None
            hint = ("No vector DBs yet: press n to create one." if may_create(self.workshop_app.user, Kind.VECTOR_DB)
                    else "No vector DBs are shared with you yet.")
            self.query_one("#details", Static).update(plain(hint))
        else:
            self._describe(self.selected_id())
        self.sync_actions()

    def selected(self) -> VectorDb | None:
        return self.vector_dbs.get(self.selected_id() or -1)

    @on(DataTable.RowHighlighted, "#vector-dbs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and (self.details is None or
                                                self.details.vector_db.id != int(event.row_key.value)):
            self._describe(int(event.row_key.value))
        self.sync_actions()

    @work(group="vector-dbs-describe", exclusive=True, exit_on_error=False)
    async def _describe(self, vector_db_id: int | None) -> None:
        app = self.workshop_app
        if vector_db_id is None or app.actor is None:
            return
        details = await app.guarded(app.services.knowledge.vector_dbs.describe(app.actor, vector_db_id), "Describing")
        if details is None:
            return
        self.details = details
        self.query_one("#details", Static).update(plain(describe(details)))
        if self.hits:
            self.hits = []
            self.query_one("#hits", DataTable).clear()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        user = self.workshop_app.user
        chosen = self.selected()
        if action in ("create", "embed"):
            return may_create(user, Kind.VECTOR_DB if action == "create" else Kind.EMBEDDING_JOB)
        if action in ("change", "delete"):
            return chosen is not None and may_change(user, chosen)
        if action == "search":
            return chosen is not None
        return True

    # -- creating, changing, deleting ----------------------------------------------------------------

    async def edit(self, current: VectorDb | None) -> None:
        app = self.workshop_app
        assert app.actor is not None
        models = await app.guarded(app.services.catalog.list(app.actor, usable_only=True), "Models")
        if models is None:
            return
        saved = await self.app.push_screen_wait(VectorDbFormModal(models, current))
        if saved is not None:
            say(self.app, f"Saved the vector DB “{saved.name}”.", timeout=5)
            self.select_next = saved.id
            self.details = None
            self._load()

    @work(group="vector-dbs-edit", exclusive=True, exit_on_error=False)
    async def action_delete(self) -> None:
        app = self.workshop_app
        chosen = self.selected()
        if chosen is None or app.actor is None or not may_change(app.user, chosen):
            return
        details = await app.guarded(app.services.knowledge.vector_dbs.describe(app.actor, chosen.id), "Deleting")
        if details is None:
            return
        rag = (f" The RAG system(s) built on it are deleted too: {', '.join(details.rag_system_names)}."
               if details.rag_system_names else "")
        question = (f"Delete the vector DB “{chosen.name}” with its {details.point_count:,} points from "
                    f"{len(details.documents)} document(s)? The documents themselves stay.{rag}")
        if not await self.app.push_screen_wait(ConfirmModal(question)):
            return
        if await app.guarded(completed(app.services.knowledge.vector_dbs.delete(app.actor, chosen.id)), "Deleting"):
            say(self.app, f"Deleted the vector DB “{chosen.name}”.", timeout=5)
        self.details = None
        self._load()

    @work(group="vector-dbs-edit", exclusive=True, exit_on_error=False)
    async def action_embed(self) -> None:
        if await start_jobs(self.app, vector_db_id=self.selected_id()):
            self._describe(self.selected_id())

    # -- searching -----------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one("#query", Input).focus()

    @on(Input.Submitted, "#query")
    def _query(self, event: Input.Submitted) -> None:
        chosen = self.selected()
        if chosen is not None and event.value.strip():
            self._search(chosen.id, event.value)

    @work(group="vector-dbs-search", exclusive=True, exit_on_error=False)
    async def _search(self, vector_db_id: int, query: str) -> None:
        app = self.workshop_app
        assert app.actor is not None
        table = self.query_one("#hits", DataTable)
        table.clear()
        hits = await app.guarded(app.services.knowledge.search.search(app.actor, vector_db_id, query,
                                                                      top_k=SEARCH_HITS), "Searching")
        if hits is None:
            return
        self.hits = hits
        for index, hit in enumerate(hits):
            table.add_row(plain(f"{hit['score']:.2f}"), plain(hit["title"]), plain(hit["location"]),
                          plain(one_line(hit["text"], 200)), key=str(index))
        if not hits:
            say(self.app, "No chunks found: is anything embedded in this vector DB yet?", timeout=6)

    @on(DataTable.RowSelected, "#hits")
    def _hit_chosen(self, event: DataTable.RowSelected) -> None:
        hit = self.hits[int(event.row_key.value or 0)]
        self.app.push_screen(ReadingModal(hit["title"], hit["text"],
                                          detail=f"{hit['location']} · score {hit['score']:.2f}"))

    def palette_commands(self) -> Iterable[SystemCommand]:
        user = self.workshop_app.user
        chosen = self.selected()
        if may_create(user, Kind.VECTOR_DB):
            yield SystemCommand("New vector DB", "Create a vector DB with an embedding model", self.action_create)
            yield SystemCommand("Embed documents", "Embed documents into a vector DB", self.action_embed)
        if chosen is not None:
            yield SystemCommand("Search the vector DB", f"Search {chosen.name}", self.action_search)
            if may_change(user, chosen):
                yield SystemCommand("Change the vector DB", "Rename, share or change its model", self.action_change)
                yield SystemCommand("Delete the vector DB", "With its points", self.action_delete)
