"""The workshop's catalogue of Ollama models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.models import ModelInfo
from workshop_tui.storage.converters import to_domain
from workshop_tui.storage.tables import ModelRow


class ModelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, *, enabled_only: bool = False) -> list[ModelInfo]:
        query = select(ModelRow).order_by(ModelRow.name)
        if enabled_only:
            query = query.where(ModelRow.enabled.is_(True))
        return [to_domain(ModelInfo, row) for row in (await self.session.scalars(query)).all()]

    async def get(self, model_id: int) -> ModelInfo | None:
        row = await self.session.get(ModelRow, model_id)
        return to_domain(ModelInfo, row) if row else None

    async def get_by_name(self, name: str) -> ModelInfo | None:
        """The model of that normalised name, compared without regard to case, as Ollama compares."""
        row = await self.session.scalar(
            select(ModelRow).where(func.lower(ModelRow.name) == name.lower()).order_by(ModelRow.id).limit(1))
        return to_domain(ModelInfo, row) if row else None

    async def by_names(self, names: Iterable[str]) -> dict[str, ModelInfo]:
        rows = await self.session.scalars(select(ModelRow).where(ModelRow.name.in_(list(names))))
        return {row.name: to_domain(ModelInfo, row) for row in rows}

    async def by_ids(self, ids: Iterable[int]) -> dict[int, ModelInfo]:
        rows = await self.session.scalars(select(ModelRow).where(ModelRow.id.in_(list(ids))))
        return {row.id: to_domain(ModelInfo, row) for row in rows}

    async def upsert(self, name: str, **fields: Any) -> ModelInfo:
        """Create the model or update the given fields; `name` is the normalised name:tag."""
        row = await self.session.scalar(select(ModelRow).where(ModelRow.name == name))
        if row is None:
            row = ModelRow(name=name)
            self.session.add(row)
        for key, value in fields.items():
            setattr(row, key, list(value) if isinstance(value, tuple) else value)
        await self.session.flush()
        return to_domain(ModelInfo, row)

    async def delete(self, model_id: int) -> None:
        await self.session.execute(delete(ModelRow).where(ModelRow.id == model_id))
