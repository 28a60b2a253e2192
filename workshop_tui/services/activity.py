"""Live activity for staff: who is online and on which screen, what each is generating, the queue
and in-flight requests per Ollama host, and recent errors.

Everything here lives in memory (the presence registry, the generation tracker, the gateway's
queue), so a screen that watches it costs no database reads beyond re-checking the viewer now and
then. A watcher wakes on changes (a session joining, moving or leaving; a reply queued, started,
streaming or ending) rather than on a timer.

Staff see the accounts they manage and themselves (an instructor does not see admins online), as
everywhere else an account out of reach is not shown.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from workshop_tui.domain.text import one_line
from workshop_tui.services import account_rules as rules
from workshop_tui.services.access import MANAGES_ROLES, Action, Actor, Kind, authorize
from workshop_tui.services.actors import fresh_actor, same_account
from workshop_tui.services.changes import ChangeCounter
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.services.generations import Generation, GenerationTracker, RecentError
from workshop_tui.services.presence import Presence, PresenceRegistry, PresenceTicket

RECHECK_S = 5.0  # a watcher re-reads its viewer at most this often


@dataclass(frozen=True)
class HostLoad:
    url: str
    up: bool
    running: int
    waiting: int
    capacity: int
    error: str | None = None


@dataclass(frozen=True)
class ActivitySnapshot:
    online: list[Presence]
    generations: list[Generation]
    hosts: list[HostLoad]
    errors: list[RecentError]


class ActivityFeed:
    """Snapshots, each after the next change: `snapshot = await feed.next(timeout=5)`."""

    def __init__(self, service: ActivityService, actor: Actor) -> None:
        self._service = service
        self._actor = actor
        self._seen = -1
        self._checked = time.monotonic()

    async def next(self, timeout: float | None = None) -> ActivitySnapshot:  # noqa: ASYNC109 - bounded waits
        """The state after the next change (at once for the first call), or after `timeout`."""
        self._seen = await self._service.changes.wait(self._seen, timeout)
        if time.monotonic() - self._checked >= RECHECK_S:
            self._actor = await self._service._viewer(self._actor)
            self._checked = time.monotonic()
        return self._service._build(self._actor)


class ActivityService:
    def __init__(self, ctx: ServiceContext, gateway: OllamaGateway) -> None:
        self.ctx = ctx
        self.gateway = gateway
        self.changes = ChangeCounter()
        self.presence = PresenceRegistry(self.changes)
        self.generations = GenerationTracker(self.changes)

    async def join(self, actor: Actor, session_id: str, place: str, *, source: str | None = None) -> PresenceTicket:
        """Put a signed-in session on the list (in any status: a waiting account is online too).
        Only the session itself holds the ticket that moves or removes it."""
        async with self.ctx.db.reading() as session:
            current = await same_account(session, actor)
        assert current.user is not None
        return self.presence.join(one_line(session_id, 64), current.user.id, current.user.username,
                                  current.user.role, place, source and one_line(source, 64))

    async def _viewer(self, actor: Actor) -> Actor:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
        authorize(actor, Action.READ, Kind.ACTIVITY)
        return actor

    async def snapshot(self, actor: Actor) -> ActivitySnapshot:
        return self._build(await self._viewer(actor))

    @asynccontextmanager
    async def watch(self, actor: Actor) -> AsyncIterator[ActivityFeed]:
        yield ActivityFeed(self, await self._viewer(actor))

    async def sessions_of(self, actor: Actor, user_id: int) -> list[Presence]:
        """The open sessions of one account the actor may read (their own, or one they manage)."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.READ, await rules.load_user(session, user_id))
        return [p for p in self.presence.sessions() if p.user_id == user_id]

    def _build(self, viewer: Actor) -> ActivitySnapshot:
        managed = MANAGES_ROLES.get(viewer.role, frozenset())
        online = [p for p in self.presence.sessions() if p.user_id == viewer.id or p.role in managed]
        shown = {p.user_id for p in online}
        if viewer.is_operator:
            def visible(user_id: int | None) -> bool:
                return True
        else:
            def visible(user_id: int | None) -> bool:
                return user_id in shown
        pool, queue = self.gateway.pool, self.gateway.queue
        errors = pool.recent_errors()
        hosts = [HostLoad(url, pool.is_up(url), queue.running(url), queue.waiting(url), queue.capacity(url),
                          errors.get(url)) for url in pool.urls]
        return ActivitySnapshot(online, [g for g in self.generations.generations() if visible(g.user_id)], hosts,
                                [e for e in self.generations.errors() if visible(e.user_id)])
