"""Importing a file: one from your upload folder (listed with sizes; attendees fill it over SFTP) or,
for admins, one under the server's import folder, named by its path there."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from workshop_tui.domain.models import Document
from workshop_tui.services.documents import UploadedFile
from workshop_tui.ui.formatting import byte_size
from workshop_tui.ui.screens.modals.document_import import ImportModal
from workshop_tui.ui.service_calls import workshop_app
from workshop_tui.ui.text import plain

Source = Literal["upload", "path"]


def when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class FileImportModal(ImportModal):
    CSS_PATH = ["form.tcss", "file_import.tcss"]
    TITLE_REQUIRED = False
    BINDINGS = [Binding("f5", "refresh", "Read again", id="files.refresh",
                        tooltip="List the upload folder again (after copying a file)")]

    def __init__(self, source: Source) -> None:
        super().__init__("Import from your upload folder" if source == "upload" else "Import a file on the server")
        self.source = source
        self.ALIASES = {"path": "name"} if source == "upload" else {}
        self.files: list[UploadedFile] = []
        self._picked = ""

    def fields(self) -> ComposeResult:
        yield Static("", id="where", classes="muted")
        if self.source == "upload":
            table: DataTable[Any] = DataTable(id="files", cursor_type="row")
            table.add_column("File", width=40, key="file")
            table.add_column("Size", width=9, key="size")
            table.add_column("Copied", width=16, key="copied")
            yield table
            yield from self.field("name", "File", Static("", id="name"), "pick a file in the list")
        else:
            yield from self.field("path", "Path", Input(id="path", compact=True, max_length=1000),
                                  "relative to the import folder above; links and '..' are refused")
        yield from self.title_field("the file's name if empty; on an update, the title stays unless given")
        yield from self.visibility_field()

    def on_mount(self) -> None:
        if self.source == "upload":
            self.action_refresh()
        else:
            root = workshop_app(self.app).services.knowledge.documents.import_root
            self.query_one("#where", Static).update(plain(f"Import folder: {root}"))
            self.query_one("#path", Input).focus()

    @work(group="files-load", exclusive=True, exit_on_error=False)
    async def action_refresh(self) -> None:
        if self.source != "upload":
            return
        app = workshop_app(self.app)
        assert app.actor is not None
        documents = app.services.knowledge.documents
        folder = await app.guarded(documents.upload_folder(app.actor), "Upload folder")
        files = await app.guarded(documents.list_uploads(app.actor), "Upload folder")
        if folder is None or files is None:
            return
        self.files = files
        where = self.query_one("#where", Static)
        # Over SSH the folder is the root of the attendee's own SFTP session; the server's path is not theirs.
        copy = ("with sftp, as the same user and to the same port as ssh (then `put FILE`)" if app.session.remote
                else f"over SFTP (it is {folder} on this machine)")
        if files:
            where.update(plain("Files you copied into your upload folder:"))
        else:
            where.update(plain(f"Your upload folder is empty. Copy a file into it {copy}, then press F5. "
                               "PDF, text, Markdown, HTML and source files work."))
        table = self.query_one("#files", DataTable)
        table.clear()
        for upload in files:
            table.add_row(plain(upload.name), plain(byte_size(upload.size_bytes, "—")), plain(when(upload.modified_at)),
                          key=upload.name)
        if files:
            table.focus()
            self._pick(files[0].name)

    @on(DataTable.RowHighlighted, "#files")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._pick(event.row_key.value)

    @on(DataTable.RowSelected, "#files")
    def _chosen(self) -> None:
        self.action_save()

    def _pick(self, name: str) -> None:
        self._picked = name
        self.query_one("#name", Static).update(plain(name))
        self.show_problem("name", None)

    def values(self) -> dict[str, Any]:
        if self.source == "upload":
            file = self._picked
        else:
            file = self.query_one("#path", Input).value
        return {"file": file, "title": self.query_one("#title", Input).value}

    def problem(self, name: str, values: dict[str, Any]) -> str | None:
        if name in ("name", "path") and not values["file"].strip():
            return "pick a file in the list" if name == "name" else "give the file's path"
        return super().problem(name, values)

    async def run(self, values: dict[str, Any], *, replace_id: int | None, as_new: bool) -> Document:
        app = workshop_app(self.app)
        assert app.actor is not None
        documents = app.services.knowledge.documents
        title = values["title"].strip() or None
        if self.source == "upload":
            work = documents.import_upload(app.actor, values["file"], title=title, visibility=self.visibility(),
                                           replace_id=replace_id, as_new=as_new)
        else:
            work = documents.import_path(app.actor, values["file"], title=title, visibility=self.visibility(),
                                         replace_id=replace_id, as_new=as_new)
        self._say("Reading the file…")
        return await app.call(work)
