"""Prompt templates with their declared variables and tags."""

from __future__ import annotations

from sqlalchemy import select

from workshop_tui.domain.models import Prompt
from workshop_tui.storage.repositories.owned import OwnedRepository
from workshop_tui.storage.tables import PromptRow


class PromptRepository(OwnedRepository[PromptRow, Prompt]):
    row_type = PromptRow
    domain_type = Prompt

    async def get_by_title(self, creator_id: int | None, title: str) -> Prompt | None:
        """The creator's prompt with this title (titles are unique per creator)."""
        owner = PromptRow.creator_id.is_(None) if creator_id is None else PromptRow.creator_id == creator_id
        row = await self.session.scalar(select(PromptRow).where(owner, PromptRow.title == title))
        return self._domain(row) if row is not None else None
