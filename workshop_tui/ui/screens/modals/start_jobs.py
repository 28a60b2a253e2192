"""Starting embedding jobs: pick documents and the vector DB to embed them into. Only vector DBs you
may change are offered; a document already in it is embedded again (its chunks are overwritten)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Select, SelectionList

from workshop_tui.domain.models import Document, EmbeddingJob, VectorDb
from workshop_tui.ui.permissions import may_change
from workshop_tui.ui.screens.modals.form import FormModal
from workshop_tui.ui.service_calls import workshop_app
from workshop_tui.ui.text import plain, say


class StartJobsModal(FormModal[list[EmbeddingJob]]):
    CSS_PATH = ["form.tcss", "start_jobs.tcss"]
    AUTO_FOCUS = "#documents"
    ALIASES = {"document_id": "documents", "vector_db_id": "vector_db"}
    SAVE_LABEL = "Start embedding"

    def __init__(self, documents: Sequence[Document], vector_dbs: Sequence[VectorDb], *,
                 vector_db_id: int | None = None, document_ids: Sequence[int] = ()) -> None:
        super().__init__("Embed documents into a vector DB")
        self.documents = list(documents)
        self.vector_dbs = list(vector_dbs)
        self._vector_db_id = vector_db_id
        self._document_ids = set(document_ids)

    def fields(self) -> ComposeResult:
        yield from self.field("documents", "Documents", SelectionList[int](
            *[(plain(f"{d.title} ({d.visibility.value})"), d.id, d.id in self._document_ids)
              for d in self.documents], id="documents"),
            "Space ticks a document; each becomes one job" if self.documents
            else "No documents yet: import one in Documents first.")
        ids = [v.id for v in self.vector_dbs]
        chosen = self._vector_db_id if self._vector_db_id in ids else (ids[0] if ids else Select.NULL)
        yield from self.field("vector_db", "Vector DB", Select(
            [(plain(f"{v.name} — {v.embedding_model}"), v.id) for v in self.vector_dbs], id="vector_db",
            value=chosen, prompt="choose a vector DB", compact=True),
            "its embedding model embeds the chunks" if self.vector_dbs
            else "No vector DB of yours yet: create one in Vector DBs first.")

    def values(self) -> dict[str, Any]:
        chosen = self.query_one("#vector_db", Select).value
        return {"documents": list(self.query_one("#documents", SelectionList).selected),
                "vector_db": None if chosen is Select.NULL else int(str(chosen))}

    def problem(self, name: str, values: dict[str, Any]) -> str | None:
        if name == "documents" and not values["documents"]:
            return "tick at least one document (Space)"
        if name == "vector_db" and values["vector_db"] is None:
            return "choose a vector DB"
        return None

    async def save(self, values: dict[str, Any]) -> list[EmbeddingJob] | None:
        app = workshop_app(self.app)
        assert app.actor is not None
        jobs = []
        for document_id in values["documents"]:
            jobs.append(await app.call(app.services.knowledge.jobs.enqueue(app.actor, document_id,
                                                                            values["vector_db"])))
        return jobs


async def start_jobs(app: App[Any], *, vector_db_id: int | None = None) -> list[EmbeddingJob]:
    """From a screen's worker: read what may be embedded where, ask, start the jobs and say so."""
    workshop = workshop_app(app)
    assert workshop.actor is not None
    knowledge = workshop.services.knowledge
    documents = await workshop.guarded(knowledge.documents.list(workshop.actor), "Embedding")
    vector_dbs = await workshop.guarded(knowledge.vector_dbs.list(workshop.actor), "Embedding")
    if documents is None or vector_dbs is None:
        return []
    writable = [v for v in vector_dbs if may_change(workshop.user, v)]
    jobs = await app.push_screen_wait(StartJobsModal(documents, writable, vector_db_id=vector_db_id))
    if jobs:
        say(app, f"Started {len(jobs)} embedding job(s). Follow them in Embeddings; you are told when each ends, "
                 "on any screen.", timeout=8)
    return jobs or []
