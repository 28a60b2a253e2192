"""Documents: importing text from a paste, a server path or a user's upload folder, and deleting it.

- Every source goes through the same extraction limits (size, pages, characters, from settings) and
  text hygiene; parsing runs in a thread so the shared event loop never waits on a big PDF.
- Server paths are for admins and the operator (the CLI), and stay inside the import root; attendees
  import only from their own upload folder. Both refuse `..` and symbolic links.
- A re-import is recognised by checksum (same content) or by file name/title (a changed version) and
  raised as `DuplicateDocument`, so the front end can offer "update the existing document"
  (`replace_id=`) or "keep both" (`as_new=True`). An update re-embeds the document everywhere it is:
  in the same transaction, jobs under way for it are cancelled and new ones queued, so no job goes
  on with the old text, and a crash before they start leaves them queued for the next start.
- Deleting a document first removes its points from every vector DB it was embedded into; if that
  fails the document stays, so no invisible vectors are left behind.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Conflict, Forbidden, Invalid
from workshop_tui.domain.models import Document
from workshop_tui.services.access import ADMINS, Action, Actor, Kind, authorize, can_read
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.document_sources import UploadedFile, list_folder, upload_folder
from workshop_tui.services.document_views import DocumentChunks, DocumentSummary, summarize
from workshop_tui.services.embedding_jobs import EmbeddingJobService, Requeued
from workshop_tui.services.embedding_runner import chunks_of
from workshop_tui.services.extraction import (
    ExtractedText,
    ExtractionLimits,
    PastedEmpty,
    PastedTooLong,
    extract_file,
    extract_pasted,
    resolve_inside,
)
from workshop_tui.services.knowledge_access import (
    check_new_visibility,
    check_visibility_change,
    clean_name,
    load,
    readable_visibilities,
)
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.vectors import VectorStore

__all__ = ["DocumentChunks", "DocumentService", "DocumentSummary", "DuplicateDocument", "UploadedFile"]
TEXT_TYPES = ("text/plain", "text/markdown")


class DuplicateDocument(Conflict):
    """The import matches a document the same user already has; `identical` means same content."""

    def __init__(self, name: str, existing: Document, identical: bool) -> None:
        if identical:
            message = (f"'{name}' is already imported as document {existing.id} ('{existing.title}') with the same "
                       "content; update that document or import this as a new one")
        else:
            message = (f"'{name}' was imported before as document {existing.id} ('{existing.title}') and this copy "
                       "differs; update that document (it is re-embedded) or import this as a new one")
        super().__init__(message)
        self.existing = existing
        self.identical = identical


class DocumentService:
    def __init__(self, ctx: ServiceContext, store: VectorStore, jobs: EmbeddingJobService | None = None, *,
                 import_root: Path | None = None) -> None:
        """`import_root` bounds server-path imports; it defaults to the `documents.import_dir` setting."""
        self.ctx = ctx
        self.store = store
        self.jobs = jobs
        self.import_root = import_root or ctx.settings.import_dir

    @property
    def limits(self) -> ExtractionLimits:
        d = self.ctx.settings.documents
        return ExtractionLimits(max_bytes=d.max_file_bytes, max_pages=d.max_pages, max_chars=d.max_chars)

    # -- importing -------------------------------------------------------------------------------

    async def import_text(self, actor: Actor, title: str, text: str, *, content_type: str = "text/plain",
                          visibility: Visibility = Visibility.PRIVATE, replace_id: int | None = None,
                          as_new: bool = False) -> Document:
        """A pasted text, normalised and held to the same character and size limits as files."""
        await self._may_create(actor)
        name = clean_name(title, "title", 200)
        if content_type not in TEXT_TYPES:
            raise Invalid(f"must be one of {', '.join(TEXT_TYPES)}", field="content_type")
        if len(text) > self.limits.max_chars * 2:  # refuse the absurd before normalising it
            raise Invalid(f"'{name}' is over the {self.limits.max_chars:,}-character limit", field="text")
        try:
            extracted = await extract_pasted(text, content_type, self.limits, name=name)
        except PastedTooLong:
            raise Invalid(f"'{name}' is over the {self.limits.max_chars:,}-character limit", field="text") from None
        except PastedEmpty:
            raise Invalid(f"'{name}' contains no text", field="text") from None
        return await self._save(actor, extracted, name, "paste", None, visibility, replace_id, as_new)

    async def import_path(self, actor: Actor, path: str | Path, *, title: str | None = None,
                          visibility: Visibility = Visibility.PRIVATE, replace_id: int | None = None,
                          as_new: bool = False) -> Document:
        """A file on the server under the import root: for admins and the operator only."""
        actor = await self._may_create(actor)
        if actor.role not in ADMINS:
            raise Forbidden("only admins and the server's operator may import files from server paths")
        resolved = await asyncio.to_thread(resolve_inside, self.import_root, path)
        extracted = await extract_file(resolved, self.limits)
        return await self._save(actor, extracted, title, "path", extracted.filename, visibility, replace_id, as_new)

    async def list_uploads(self, actor: Actor) -> list[UploadedFile]:
        """Files waiting in the actor's own upload folder (created on first use)."""
        folder = await self._upload_folder(actor)
        return await asyncio.to_thread(list_folder, folder)

    async def import_upload(self, actor: Actor, name: str, *, title: str | None = None,
                            visibility: Visibility = Visibility.PRIVATE, replace_id: int | None = None,
                            as_new: bool = False) -> Document:
        """A file from the actor's own upload folder, named relative to it."""
        actor = await self._may_create(actor)
        folder = await self._upload_folder(actor)
        resolved = await asyncio.to_thread(resolve_inside, folder, name)
        extracted = await extract_file(resolved, self.limits)
        return await self._save(actor, extracted, title, "upload", extracted.filename, visibility, replace_id, as_new)

    async def upload_folder(self, actor: Actor) -> Path:
        """Where the actor's SFTP uploads go (for display and for the SFTP server)."""
        return await self._upload_folder(actor)

    async def _upload_folder(self, actor: Actor) -> Path:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
        if actor.user is None:
            raise Invalid("the operator has no upload folder; import server files by path", field="path")
        return await asyncio.to_thread(upload_folder, self.ctx.settings.uploads_dir, actor.user.username)

    async def _may_create(self, actor: Actor) -> Actor:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
        authorize(actor, Action.CREATE, Kind.DOCUMENT)
        return actor

    async def _save(self, actor: Actor, extracted: ExtractedText, title: str | None, source: str,
                    filename: str | None, visibility: Visibility, replace_id: int | None, as_new: bool) -> Document:
        name = clean_name(title or extracted.filename, "title", 200)
        fields = dict(text=extracted.text, content_type=extracted.content_type, checksum=extracted.checksum,
                      size_bytes=extracted.size_bytes, page_count=extracted.page_count, source=source,
                      original_filename=filename)
        requeued: Requeued | None = None
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.CREATE, Kind.DOCUMENT)
            repo = DocumentRepository(session)
            if replace_id is not None:
                existing = await load(repo, actor, replace_id, Action.UPDATE, "document")
                if existing.checksum == extracted.checksum:
                    return existing
                # An update keeps the document's title (it may have been renamed) unless one is given.
                document = await repo.update(replace_id, title=name if title else existing.title, **fields)
                vector_db_ids = await EmbeddingJobRepository(session).vector_db_ids_for_document(replace_id)
                if self.jobs is not None:  # jobs under way read the old text: they start over, with the change
                    requeued = await self.jobs.requeue(session, [(document.id, v) for v in vector_db_ids],
                                                       actor.id, "its document was replaced; a new job embeds "
                                                       "the new text")
            else:
                vis = check_new_visibility(actor, visibility)
                if not as_new:
                    self._refuse_duplicate(await repo.find_previous(actor.id, extracted.checksum, filename or name),
                                           filename or name, extracted.checksum)
                document = await repo.add(title=name, visibility=vis, creator_id=actor.id, **fields)
        topic = "document.updated" if replace_id is not None else "document.created"
        self.ctx.events.publish(topic, user_id=actor.id, document_id=document.id)
        if requeued is not None and self.jobs is not None:
            await self.jobs.halt(requeued)
            self.jobs.launch(requeued)
        return document

    @staticmethod
    def _refuse_duplicate(previous: list[Document], name: str, checksum: str) -> None:
        same = [d for d in previous if d.checksum == checksum]
        if same:
            raise DuplicateDocument(name, same[0], identical=True)
        if previous:
            raise DuplicateDocument(name, previous[-1], identical=False)

    # -- reading and changing --------------------------------------------------------------------

    async def get(self, actor: Actor, document_id: int) -> Document:
        """One document with its full text."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            return await load(DocumentRepository(session), actor, document_id, Action.READ, "document")

    async def list(self, actor: Actor, *, mine_only: bool = False) -> list[Document]:
        """Documents the actor may read, newest first, without their text."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            return await self._readable(session, actor, mine_only)

    @staticmethod
    async def _readable(session: AsyncSession, actor: Actor, mine_only: bool) -> list[Document]:
        visibilities = frozenset() if mine_only else readable_visibilities(actor)
        documents = await DocumentRepository(session).list_readable(actor.id, visibilities)
        return [d for d in documents if can_read(actor, d) and (d.creator_id == actor.id or not mine_only)]

    async def summaries(self, actor: Actor, *, mine_only: bool = False) -> list[DocumentSummary]:
        """`list`, with each document's length, its chunk count once a job chunked it, and the vector
        DBs it is in (those the actor may read), in a few statements whatever the number of documents."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            documents = await self._readable(session, actor, mine_only)
            ids = [d.id for d in documents]
            lengths = await DocumentRepository(session).lengths(ids)
            jobs = await EmbeddingJobRepository(session).for_documents(ids)
            vector_dbs = await VectorDbRepository(session).by_ids({j.vector_db_id for j in jobs})
        readable = {i: v for i, v in vector_dbs.items() if can_read(actor, v)}
        return summarize(documents, lengths, jobs, readable)

    async def chunks(self, actor: Actor, document_id: int) -> DocumentChunks:
        """One document with its text and the chunks embedding makes of it (headings and offsets),
        chunked in a thread with the configured size and overlap."""
        document = await self.get(actor, document_id)
        found = await asyncio.to_thread(chunks_of, self.ctx, document.text)
        return DocumentChunks(document, tuple(found))

    async def update(self, actor: Actor, document_id: int, *, title: str | None = None,
                     visibility: Visibility | None = None) -> Document:
        """Rename or re-share a document (citations show the new title at once)."""
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            repo = DocumentRepository(session)
            document = await load(repo, actor, document_id, Action.UPDATE, "document")
            changes: dict[str, object] = {}
            if title is not None:
                changes["title"] = clean_name(title, "title", 200)
            if visibility is not None:
                changes["visibility"] = check_visibility_change(actor, document, visibility)
            if changes:
                document = await repo.update(document_id, **changes)
        return document

    async def delete(self, actor: Actor, document_id: int) -> None:
        """Delete the document and its points in every vector DB it was embedded into."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            document = await load(DocumentRepository(session), actor, document_id, Action.DELETE, "document")
            ids = await EmbeddingJobRepository(session).vector_db_ids_for_document(document_id)
            vector_dbs = (await VectorDbRepository(session).by_ids(ids)).values()
        if self.jobs is not None:
            await self.jobs.cancel_where(document_id=document_id, reason="its document was deleted")
        for vector_db in vector_dbs:
            await self.store.delete_document(vector_db.collection_name, document.id)
        async with self.ctx.db.transaction() as session:
            await DocumentRepository(session).delete(document_id)
        self.ctx.events.publish("document.deleted", user_id=actor.id, document_id=document_id)
