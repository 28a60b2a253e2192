"""Documents: extracted text plus the facts about where it came from.

A document's text can be megabytes, so listings never load it: they return documents with an empty
`text`, and only `get` (one document, for reading or embedding) fetches the whole thing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import defer

from workshop_tui.domain.models import Document
from workshop_tui.storage.converters import to_domain
from workshop_tui.storage.repositories.owned import OwnedRepository
from workshop_tui.storage.tables import DocumentRow


class DocumentRepository(OwnedRepository[DocumentRow, Document]):
    row_type = DocumentRow
    domain_type = Document

    @staticmethod
    def _summary(row: Any) -> Document:
        return to_domain(Document, row, text="")

    async def list_readable(
        self, user_id: int | None, visibilities: Collection[str] | None, *, order: Iterable[Any] = ()
    ) -> list[Document]:
        """Readable documents without their text, newest first unless `order` says otherwise."""
        query = self._listing(user_id, visibilities).options(defer(DocumentRow.text, raiseload=True))
        query = query.order_by(*(order or (DocumentRow.created_at.desc(), DocumentRow.id.desc())))
        return [self._summary(row) for row in (await self.session.scalars(query)).all()]

    async def by_ids(self, ids: Iterable[int]) -> dict[int, Document]:
        """Documents by id, without their text (for titles in citations and listings)."""
        wanted = list(set(ids))
        if not wanted:
            return {}
        query = select(DocumentRow).where(DocumentRow.id.in_(wanted)).options(defer(DocumentRow.text, raiseload=True))
        return {row.id: self._summary(row) for row in await self.session.scalars(query)}

    async def lengths(self, ids: Iterable[int]) -> dict[int, int]:
        """The length in characters of each of these documents' text, counted by the database."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(DocumentRow.id, func.length(DocumentRow.text)).where(DocumentRow.id.in_(wanted)))
        return {document_id: int(length or 0) for document_id, length in rows}

    async def texts(self, ids: Iterable[int]) -> dict[int, str]:
        """The texts of these documents by id, in one statement of two columns (no ORM rows kept).
        It loads every text at once: for callers that hold them all anyway, such as an export."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = await self.session.execute(select(DocumentRow.id, DocumentRow.text).where(DocumentRow.id.in_(wanted)))
        return {document_id: text for document_id, text in rows}

    async def find_previous(self, creator_id: int | None, checksum: str, name: str) -> list[Document]:
        """The creator's documents with the same content, or imported under the same file name or title.

        Only the creator's own documents count: telling someone that another user imported the same
        file would leak that file's existence.
        """
        owner = DocumentRow.creator_id.is_(None) if creator_id is None else DocumentRow.creator_id == creator_id
        same = or_(DocumentRow.checksum == checksum, DocumentRow.original_filename == name, DocumentRow.title == name)
        query = (
            select(DocumentRow)
            .where(owner, same)
            .options(defer(DocumentRow.text, raiseload=True))
            .order_by(DocumentRow.id)
        )
        return [self._summary(row) for row in await self.session.scalars(query)]
