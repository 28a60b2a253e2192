"""Reading the audit log: who did what to whom, filtered by actor, action, target and time.

Admins only (`Kind.AUDIT` in the capability table). The log is append-only: this module reads it
and nothing else writes through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import AuditEntry
from workshop_tui.domain.text_fields import one_line_text
from workshop_tui.services.access import Action, Actor, Kind, authorize
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.storage.repositories.audit import AuditRepository

MAX_PAGE = 500
NAME_MAX = 200


@dataclass(frozen=True)
class AuditQuery:
    """Filters; each one left empty matches everything. `action` is an action ("user.role") or a
    family of them ("user"); `since` is inclusive and `until` exclusive."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    offset: int
    limit: int


def checked_query(query: AuditQuery) -> AuditQuery:
    """The filters cleaned (one line each) and the time range checked."""
    names = {field: one_line_text(getattr(query, field), field, NAME_MAX).strip() or None
             for field in ("actor", "action", "target")}
    if query.since is not None and query.until is not None and query.since >= query.until:
        raise Invalid("must be after the start of the range", field="until")
    return AuditQuery(since=query.since, until=query.until, **names)


class AuditLogService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def search(self, actor: Actor, query: AuditQuery | None = None, *, offset: int = 0,
                     limit: int = 100) -> AuditPage:
        """Matching records, newest first, with the number that match in all."""
        wanted = checked_query(query or AuditQuery())
        offset, limit = max(0, offset), max(1, min(limit, MAX_PAGE))
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.READ, Kind.AUDIT)
            entries, total = await AuditRepository(session).search(
                actor=wanted.actor, action=wanted.action, target=wanted.target, since=wanted.since,
                until=wanted.until, offset=offset, limit=limit)
        return AuditPage(entries, total, offset, limit)

    async def actions(self, actor: Actor) -> list[str]:
        """Every action the log holds, for the action filter's choices."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.READ, Kind.AUDIT)
            return await AuditRepository(session).actions()
