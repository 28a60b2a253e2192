"""Append-only audit records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.config.logging import redact, session_id_var
from workshop_tui.domain.models import AuditEntry
from workshop_tui.storage.converters import to_domain
from workshop_tui.storage.tables import AuditRow

# Actions whose before and after values may carry an account's "models" and "tools" lists
# (approval, grant changes, and accounts added or updated by hand or by an import).
GRANT_ACTIONS = ("user.approve", "user.grants", "user.add", "user.update")


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

    async def search(self, *, actor: str | None = None, action: str | None = None, target: str | None = None,
                     since: datetime | None = None, until: datetime | None = None, offset: int = 0,
                     limit: int = 100) -> tuple[list[AuditEntry], int]:
        """Records matching every filter given, newest first, and how many match in all. `actor` and
        `target` match names exactly (any case); `action` matches a whole action ("user.role") or a
        family of them ("user")."""
        clauses = []
        if actor:
            clauses.append(func.lower(AuditRow.actor_name) == actor.lower())
        if target:
            clauses.append(func.lower(AuditRow.target_name) == target.lower())
        if action:
            clauses.append(or_(AuditRow.action == action, AuditRow.action.startswith(action + ".", autoescape=True)))
        if since is not None:
            clauses.append(AuditRow.at >= since)
        if until is not None:
            clauses.append(AuditRow.at < until)
        query = (select(AuditRow).where(*clauses).order_by(AuditRow.at.desc(), AuditRow.id.desc())
                 .offset(offset).limit(limit))
        total = await self.session.scalar(select(func.count()).select_from(AuditRow).where(*clauses))
        rows = (await self.session.scalars(query)).all()
        return [to_domain(AuditEntry, row) for row in rows], int(total or 0)

    async def actions(self) -> list[str]:
        """Every action the log holds, for a filter's choices."""
        return sorted(await self.session.scalars(select(AuditRow.action).distinct()))

    async def grant_history(self, target_id: int) -> list[AuditEntry]:
        """The records about one account's grants (approval, additions, grant changes), oldest first."""
        query = (select(AuditRow).where(AuditRow.target_type == "user", AuditRow.target_id == target_id,
                                        AuditRow.action.in_(GRANT_ACTIONS))
                 .order_by(AuditRow.at.asc(), AuditRow.id.asc()))
        return [to_domain(AuditEntry, row) for row in (await self.session.scalars(query)).all()]
