"""Vector collections noted for dropping: the durable half of replacing a vector DB's collection."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.storage.tables import CollectionToDropRow


class CollectionsToDropRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, name: str) -> None:
        if await self.session.get(CollectionToDropRow, name) is None:
            self.session.add(CollectionToDropRow(name=name))
            await self.session.flush()

    async def remove(self, name: str) -> None:
        await self.session.execute(delete(CollectionToDropRow).where(CollectionToDropRow.name == name))

    async def names(self) -> list[str]:
        """Every noted collection, oldest first."""
        rows = await self.session.scalars(
            select(CollectionToDropRow.name).order_by(CollectionToDropRow.created_at, CollectionToDropRow.name))
        return list(rows)
