"""One document: its extracted text, and the chunks embedding makes of it (each with its heading
path, its character offsets in the text, and its own text). Everything is shown as plain text."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static, TabbedContent, TabPane, TextArea

from workshop_tui.domain.chunking import Chunk
from workshop_tui.domain.text import strip_terminal_controls
from workshop_tui.ui.formatting import byte_size, count
from workshop_tui.ui.service_calls import workshop_app
from workshop_tui.ui.text import plain

HEADING_SEPARATOR = " › "


class DocumentDetailModal(ModalScreen[None]):
    CSS_PATH = "document_detail.tcss"
    BINDINGS = [Binding("escape", "close", "Close", id="document.close", tooltip="Back to the documents"),
                Binding("t", "tab('text')", "Text", id="document.text", tooltip="The extracted text"),
                Binding("c", "tab('chunks')", "Chunks", id="document.chunks",
                        tooltip="The chunks embedding makes, with headings and offsets")]

    def __init__(self, document_id: int, title: str) -> None:
        super().__init__()
        self.document_id = document_id
        self._title = title
        self.chunks: tuple[Chunk, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(plain(self._title), id="heading")
            yield Static(plain("Reading the document…"), id="facts")
            with TabbedContent(id="tabs", initial="chunks"):
                with TabPane("Chunks", id="chunks"):
                    table: DataTable[Any] = DataTable(id="chunk-table", cursor_type="row")
                    for label, width in (("#", 4), ("Heading", 40), ("Offsets", 16), ("Length", 7)):
                        table.add_column(label, width=width, key=label)
                    yield table
                    with VerticalScroll(id="chunk-scroll"):
                        yield Static("", id="chunk-text")
                with TabPane("Text", id="text"):
                    yield TextArea("", id="document-text", read_only=True, soft_wrap=True, show_line_numbers=False)

    def on_mount(self) -> None:
        self._load()

    @work(group="document-detail", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        app = workshop_app(self.app)
        assert app.actor is not None
        detail = await app.guarded(app.services.knowledge.documents.chunks(app.actor, self.document_id),
                                   "Opening the document")
        if detail is None:
            self.dismiss(None)
            return
        document, self.chunks = detail.document, detail.chunks
        pages = f" · {document.page_count} pages" if document.page_count else ""
        source = f" · from {document.original_filename}" if document.original_filename else f" · {document.source}"
        self.query_one("#facts", Static).update(plain(
            f"{document.content_type} · {byte_size(document.size_bytes, '—')}{pages} · "
            f"{count(len(document.text), '—')} characters · {len(self.chunks)} chunk(s){source}"))
        self.query_one("#document-text", TextArea).load_text(strip_terminal_controls(document.text))
        table = self.query_one("#chunk-table", DataTable)
        for chunk in self.chunks:
            table.add_row(plain(chunk.index + 1), plain(HEADING_SEPARATOR.join(chunk.heading_path) or "—"),
                          plain(f"{chunk.start:,}–{chunk.end:,}"), plain(f"{len(chunk.text):,}"),
                          key=str(chunk.index))
        if self.chunks:
            self._show_chunk(0)
        table.focus()

    @on(DataTable.RowHighlighted, "#chunk-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._show_chunk(int(event.row_key.value))

    def _show_chunk(self, index: int) -> None:
        chunk = self.chunks[index]
        self.query_one("#chunk-text", Static).update(plain(
            f"Chunk {chunk.index + 1} · {chunk.location}\n\n{chunk.text}"))

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_close(self) -> None:
        self.dismiss(None)
