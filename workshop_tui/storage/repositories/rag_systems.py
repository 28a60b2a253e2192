"""RAG system records: a chat model, a vector DB, a prompt template and retrieval settings."""

from __future__ import annotations

from sqlalchemy import select

from workshop_tui.domain.models import RagSystem
from workshop_tui.storage.repositories.owned import OwnedRepository
from workshop_tui.storage.tables import RagSystemRow


class RagSystemRepository(OwnedRepository[RagSystemRow, RagSystem]):
    row_type = RagSystemRow
    domain_type = RagSystem

    async def get_by_name(self, name: str) -> RagSystem | None:
        row = await self.session.scalar(select(RagSystemRow).where(RagSystemRow.name == name))
        return self._domain(row) if row is not None else None

    async def using_vector_db(self, vector_db_id: int) -> list[RagSystem]:
        """Every RAG system built on the vector DB (deleting the vector DB deletes them too)."""
        rows = await self.session.scalars(
            select(RagSystemRow).where(RagSystemRow.vector_db_id == vector_db_id).order_by(RagSystemRow.id)
        )
        return [self._domain(row) for row in rows]
