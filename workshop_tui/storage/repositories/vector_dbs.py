"""Vector DB records. The points themselves live in Qdrant, one collection per record."""

from __future__ import annotations

from sqlalchemy import select

from workshop_tui.domain.models import VectorDb
from workshop_tui.storage.repositories.owned import OwnedRepository
from workshop_tui.storage.tables import VectorDbRow


class VectorDbRepository(OwnedRepository[VectorDbRow, VectorDb]):
    row_type = VectorDbRow
    domain_type = VectorDb

    async def get_by_name(self, name: str) -> VectorDb | None:
        row = await self.session.scalar(select(VectorDbRow).where(VectorDbRow.name == name))
        return self._domain(row) if row is not None else None

    async def list_all(self) -> list[VectorDb]:
        rows = await self.session.scalars(select(VectorDbRow).order_by(VectorDbRow.id))
        return [self._domain(row) for row in rows]
