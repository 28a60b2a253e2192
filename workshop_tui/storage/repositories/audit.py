"""Append-only audit records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.config.logging import redact, session_id_var
from workshop_tui.domain.models import AuditEntry
from workshop_tui.storage.converters import to_domain
from workshop_tui.storage.tables import AuditRow


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, *, actor_id: int | None, actor_name: str, action: str, target_type: str,
                     target_id: int | None = None, target_name: str | None = None,
                     before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        """Add one record to the caller's transaction. Secret-looking values are masked."""
        self.session.add(AuditRow(
            actor_id=actor_id, actor_name=actor_name, action=action, target_type=target_type,
            target_id=target_id, target_name=target_name,
            before=redact(before) if before else before, after=redact(after) if after else after,
            session_id=session_id_var.get(),
        ))
        await self.session.flush()

    async def list(self, *, target_type: str | None = None, target_id: int | None = None,
                   action: str | None = None, limit: int = 100) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if target_type is not None:
            query = query.where(AuditRow.target_type == target_type)
        if target_id is not None:
            query = query.where(AuditRow.target_id == target_id)
        if action is not None:
            query = query.where(AuditRow.action == action)
        return [to_domain(AuditEntry, row) for row in (await self.session.scalars(query)).all()]
