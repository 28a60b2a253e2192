"""Embedding job records: the persisted state that lets a job survive a restart.

`chunks_done` only ever counts a contiguous prefix of the document's chunks that is safely stored in
the vector DB, so a resumed job can skip exactly that many and lose nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, func, select, update

from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.models import EmbeddingJob
from workshop_tui.storage.converters import to_domain
from workshop_tui.storage.repositories.owned import stored
from workshop_tui.storage.tables import EmbeddingJobRow

ACTIVE = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


class EmbeddingJobRepository:
    def __init__(self, session: Any) -> None:
        self.session = session

    async def get(self, job_id: int) -> EmbeddingJob | None:
        row = await self.session.get(EmbeddingJobRow, job_id, populate_existing=True)
        return to_domain(EmbeddingJob, row) if row is not None else None

    async def statuses(self, job_ids: Collection[int]) -> dict[int, JobStatus]:
        """The status of each of these jobs that still exists, in one query (a deleted job is absent)."""
        if not job_ids:
            return {}
        rows = await self.session.execute(
            select(EmbeddingJobRow.id, EmbeddingJobRow.status).where(EmbeddingJobRow.id.in_(list(job_ids)))
        )
        return {job_id: JobStatus(status) for job_id, status in rows}

    async def add(self, **fields: Any) -> EmbeddingJob:
        row = EmbeddingJobRow(**{k: stored(v) for k, v in fields.items()})
        self.session.add(row)
        await self.session.flush()
        return to_domain(EmbeddingJob, row)

    async def update(self, job_id: int, *, only_active: bool = False, **fields: Any) -> bool:
        """Change columns of one job; False if it no longer exists (its document or DB was deleted) or,
        with `only_active`, if it is no longer queued or running (it was cancelled meanwhile)."""
        query = update(EmbeddingJobRow).where(EmbeddingJobRow.id == job_id)
        if only_active:
            query = query.where(EmbeddingJobRow.status.in_(ACTIVE))
        result = await self.session.execute(query.values(**{k: stored(v) for k, v in fields.items()}))
        return bool(result.rowcount)

    async def list(
        self,
        *,
        vector_db_id: int | None = None,
        document_id: int | None = None,
        statuses: Collection[JobStatus] | None = None,
        requested_by_id: int | None = None,
        limit: int | None = None,
    ) -> list[EmbeddingJob]:
        """Jobs matching every given filter, oldest first."""
        query = select(EmbeddingJobRow)
        if vector_db_id is not None:
            query = query.where(EmbeddingJobRow.vector_db_id == vector_db_id)
        if document_id is not None:
            query = query.where(EmbeddingJobRow.document_id == document_id)
        if statuses is not None:
            query = query.where(EmbeddingJobRow.status.in_([s.value for s in statuses]))
        if requested_by_id is not None:
            query = query.where(EmbeddingJobRow.requested_by_id == requested_by_id)
        query = query.order_by(EmbeddingJobRow.id).limit(limit)
        return [to_domain(EmbeddingJob, row) for row in await self.session.scalars(query)]

    async def for_documents(self, document_ids: Collection[int]) -> list[EmbeddingJob]:
        """Every job of these documents, oldest first (for what each document is in)."""
        if not document_ids:
            return []
        query = select(EmbeddingJobRow).where(EmbeddingJobRow.document_id.in_(list(document_ids)))
        return [to_domain(EmbeddingJob, row) for row in await self.session.scalars(query.order_by(EmbeddingJobRow.id))]

    async def active_for(self, document_id: int, vector_db_id: int) -> EmbeddingJob | None:
        """A queued or running job embedding this document into this vector DB, if any."""
        row = await self.session.scalar(
            select(EmbeddingJobRow)
            .where(
                EmbeddingJobRow.document_id == document_id,
                EmbeddingJobRow.vector_db_id == vector_db_id,
                EmbeddingJobRow.status.in_(ACTIVE),
            )
            .order_by(EmbeddingJobRow.id)
            .limit(1)
        )
        return to_domain(EmbeddingJob, row) if row is not None else None

    async def vector_db_ids_for_document(self, document_id: int) -> list[int]:
        """Every vector DB the document was ever sent to: where its points may be."""
        rows = await self.session.scalars(
            select(EmbeddingJobRow.vector_db_id).where(EmbeddingJobRow.document_id == document_id).distinct()
        )
        return sorted(rows)

    async def document_ids_for_vector_db(self, vector_db_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(EmbeddingJobRow.document_id).where(EmbeddingJobRow.vector_db_id == vector_db_id).distinct()
        )
        return sorted(rows)

    async def largest_total(self, document_id: int, vector_db_id: int, *, excluding: int) -> int:
        """The most chunks an earlier job stored for this pair: points past a new, shorter total are stale."""
        value = await self.session.scalar(
            select(func.max(EmbeddingJobRow.chunks_total)).where(
                EmbeddingJobRow.document_id == document_id,
                EmbeddingJobRow.vector_db_id == vector_db_id,
                EmbeddingJobRow.id != excluding,
            )
        )
        return int(value or 0)

    async def delete_for(self, *, document_id: int, vector_db_id: int) -> None:
        await self.session.execute(
            delete(EmbeddingJobRow).where(
                EmbeddingJobRow.document_id == document_id, EmbeddingJobRow.vector_db_id == vector_db_id
            )
        )
