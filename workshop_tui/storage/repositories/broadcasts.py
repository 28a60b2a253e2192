"""Class broadcasts, newest last."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.models import Broadcast
from workshop_tui.storage.converters import to_domain
from workshop_tui.storage.tables import BroadcastRow


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *, author_id: int | None, author_name: str, text: str, at: datetime) -> Broadcast:
        row = BroadcastRow(author_id=author_id, author_name=author_name, text=text, at=at)
        self.session.add(row)
        await self.session.flush()
        return to_domain(Broadcast, row)

    async def since(self, moment: datetime, *, limit: int = 50) -> list[Broadcast]:
        """The newest `limit` broadcasts sent at or after `moment`, oldest first."""
        query = (select(BroadcastRow).where(BroadcastRow.at >= moment)
                 .order_by(BroadcastRow.at.desc(), BroadcastRow.id.desc()).limit(limit))
        rows = (await self.session.scalars(query)).all()
        return [to_domain(Broadcast, row) for row in reversed(rows)]
