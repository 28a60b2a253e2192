"""Documents: the ones you may read, with type, size, characters, chunks and the vector DBs each is
in; importing from pasted text, your upload folder or (admins) a server path; the text and chunks of
one; deleting one. Everything a document or a person wrote is shown as plain text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.widgets import DataTable, Static

from workshop_tui.domain.models import Document
from workshop_tui.services.access import Kind
from workshop_tui.services.document_views import DocumentSummary
from workshop_tui.ui.formatting import byte_size, count
from workshop_tui.ui.permissions import is_admin, may_change, may_create
from workshop_tui.ui.screens.modals.confirm import ConfirmModal
from workshop_tui.ui.screens.modals.document_detail import DocumentDetailModal
from workshop_tui.ui.screens.modals.document_import import PasteModal
from workshop_tui.ui.screens.modals.file_import import FileImportModal
from workshop_tui.ui.screens.resource import ResourceScreen
from workshop_tui.ui.service_calls import completed
from workshop_tui.ui.text import plain, say

COLUMNS = (("Title", 18), ("Type", 8), ("Size", 8), ("Chars", 8), ("Chunks", 6), ("Vector DBs", 12),
           ("Visible", 7))
TYPES = {"text/plain": "text", "text/markdown": "markdown", "application/pdf": "PDF", "text/html": "HTML",
         "text/csv": "CSV"}


def type_name(content_type: str) -> str:
    return TYPES.get(content_type, content_type.rpartition("/")[2].removeprefix("x-"))


def cells(summary: DocumentSummary) -> list[Any]:
    d = summary.document
    return [plain(d.title), plain(type_name(d.content_type)), plain(byte_size(d.size_bytes, "—")),
            plain(count(summary.characters, "—")), plain(count(summary.chunks, "—")),
            plain(", ".join(summary.vector_dbs) or "—"), plain(d.visibility.value)]


class DocumentsScreen(ResourceScreen):
    CSS_PATH = ["resource.tcss", "documents.tcss"]
    AUTO_FOCUS = "#documents"
    TABLE = "documents"
    ACTIONS = (("paste", "Paste text"), ("upload", "From upload folder"), ("server_path", "From server path"),
               ("open", "Open"), ("delete", "Delete"))
    BINDINGS = [
        Binding("p", "paste", "Paste text", id="documents.paste", tooltip="Import text you paste or type"),
        Binding("u", "upload", "Upload folder", id="documents.upload",
                tooltip="Import a file you copied to your upload folder over SFTP"),
        Binding("s", "server_path", "Server path", id="documents.path",
                tooltip="Import a file from the server's import folder (admins)"),
        Binding("enter", "open", "Open", id="documents.open", tooltip="Read the text and chunks of this document"),
        Binding("delete,d", "delete", "Delete", id="documents.delete",
                tooltip="Delete this document and its chunks in every vector DB"),
    ]

    def __init__(self, place):  # type: ignore[no-untyped-def]
        super().__init__(place)
        self.summaries: dict[int, DocumentSummary] = {}

    def compose_body(self) -> ComposeResult:
        yield from self.compose_actions()
        table: DataTable[Any] = DataTable(id="documents", cursor_type="row", zebra_stripes=True)
        for label, width in COLUMNS:
            table.add_column(label, width=width, key=label)
        yield table
        yield Static("", id="status")

    def on_mount(self) -> None:
        self.sync_actions()
        self._load()

    def on_screen_resume(self) -> None:
        self._load()  # a job may have put a document into a vector DB meanwhile

    # -- the list ------------------------------------------------------------------------------------

    @work(group="documents-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        found = await self.ask(self.workshop_app.services.knowledge.documents.summaries, "Documents")
        if found is None:
            return
        self.summaries = {s.document.id: s for s in found}
        self.fill((s.document.id, cells(s)) for s in found)
        self.status(self._summary_text())
        self.sync_actions()

    def _summary_text(self) -> str:
        if not self.summaries:
            if may_create(self.workshop_app.user, Kind.DOCUMENT):
                return "No documents yet: press p to paste text, or u to import a file from your upload folder."
            return "No documents are shared with you yet."
        return (f"{len(self.summaries)} document(s). Enter opens one: its text and the chunks embedding makes "
                "(counted here once it is embedded).")

    def selected(self) -> Document | None:
        chosen = self.summaries.get(self.selected_id() or -1)
        return chosen.document if chosen else None

    @on(DataTable.RowHighlighted, "#documents")
    def _highlighted(self) -> None:
        self.sync_actions()

    @on(DataTable.RowSelected, "#documents")
    def _row_selected(self) -> None:
        self.action_open()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        user = self.workshop_app.user
        if action in ("paste", "upload"):
            return may_create(user, Kind.DOCUMENT)
        if action == "server_path":
            return is_admin(user)
        if action == "delete":
            chosen = self.selected()
            return chosen is not None and may_change(user, chosen)
        if action == "open":
            return self.selected() is not None
        return True

    # -- importing -----------------------------------------------------------------------------------

    def action_paste(self) -> None:
        self._import(PasteModal())

    def action_upload(self) -> None:
        self._import(FileImportModal("upload"))

    def action_server_path(self) -> None:
        if is_admin(self.workshop_app.user):
            self._import(FileImportModal("path"))

    def _import(self, modal: Any) -> None:
        def done(document: Document | None) -> None:
            if document is not None:
                say(self.app, f"Imported “{document.title}”.", timeout=5)
                self.select_next = document.id
                self._load()

        self.app.push_screen(modal, done)

    # -- one document --------------------------------------------------------------------------------

    def action_open(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.app.push_screen(DocumentDetailModal(chosen.id, chosen.title))

    @work(group="documents-delete", exclusive=True, exit_on_error=False)
    async def action_delete(self) -> None:
        summary = self.summaries.get(self.selected_id() or -1)
        app = self.workshop_app
        if summary is None or app.actor is None or not may_change(app.user, summary.document):
            return
        leaves = (f" It leaves the vector DB(s) {', '.join(summary.vector_dbs)}: their chunks of it are deleted."
                  if summary.vector_dbs else " It is in no vector DB you can see.")
        if not await self.app.push_screen_wait(ConfirmModal(f"Delete “{summary.document.title}”?{leaves}")):
            return
        self.status("Deleting…")
        if await app.guarded(completed(app.services.knowledge.documents.delete(app.actor, summary.document.id)),
                             "Deleting"):
            say(self.app, f"Deleted “{summary.document.title}”.", timeout=5)
        self._load()

    def palette_commands(self) -> Iterable[SystemCommand]:
        user = self.workshop_app.user
        if may_create(user, Kind.DOCUMENT):
            yield SystemCommand("Paste a document", "Import text you paste or type", self.action_paste)
            yield SystemCommand("Import from the upload folder", "A file you copied over SFTP", self.action_upload)
        if is_admin(user):
            yield SystemCommand("Import a server file", "A file in the server's import folder",
                                self.action_server_path)
        chosen = self.selected()
        if chosen is not None:
            yield SystemCommand("Open the document", "Its text and chunks", self.action_open)
            if may_change(user, chosen):
                yield SystemCommand("Delete the document", "With its chunks in every vector DB", self.action_delete)
