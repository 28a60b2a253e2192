"""Tool resources: named instances of the vetted built-in kinds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.models import Tool
from workshop_tui.storage.converters import to_domain
from workshop_tui.storage.tables import ToolRow


class ToolRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tool_id: int) -> Tool | None:
        row = await self.session.get(ToolRow, tool_id, populate_existing=True)
        return to_domain(Tool, row) if row else None

    async def get_by_name(self, name: str) -> Tool | None:
        row = await self.session.scalar(select(ToolRow).where(ToolRow.name == name))
        return to_domain(Tool, row) if row else None

    async def ids_by_name(self, names: Iterable[str]) -> dict[str, int]:
        """The id of each of these tools that exists, by name, in one query."""
        wanted = sorted(set(names))
        if not wanted:
            return {}
        rows = await self.session.execute(select(ToolRow.name, ToolRow.id).where(ToolRow.name.in_(wanted)))
        return {name: tool_id for name, tool_id in rows}

    async def by_ids(self, ids: Iterable[int]) -> dict[int, Tool]:
        rows = await self.session.scalars(select(ToolRow).where(ToolRow.id.in_(list(ids))))
        return {row.id: to_domain(Tool, row) for row in rows}

    async def list(self) -> list[Tool]:
        return [to_domain(Tool, row) for row in await self.session.scalars(select(ToolRow).order_by(ToolRow.name))]

    async def add(self, **fields: Any) -> Tool:
        row = ToolRow(**{k: (v.value if hasattr(v, "value") else v) for k, v in fields.items()})
        self.session.add(row)
        await self.session.flush()
        return to_domain(Tool, row)

    async def update(self, tool_id: int, **fields: Any) -> Tool:
        row = await self.session.get(ToolRow, tool_id)
        if row is None:
            raise LookupError(tool_id)
        for name, value in fields.items():
            setattr(row, name, value.value if hasattr(value, "value") else value)
        await self.session.flush()
        return to_domain(Tool, row)

    async def delete(self, tool_id: int) -> None:
        await self.session.execute(delete(ToolRow).where(ToolRow.id == tool_id))
