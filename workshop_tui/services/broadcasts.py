"""Class broadcasts: one line from staff ("break until 11:00") shown in every open session.

A broadcast is stored (so a session opened later that UTC day still shows it), audited, and
published on the event bus, where every signed-in session listens. The text is one line, cleaned
of escape sequences and control characters, and at most `MESSAGE_MAX` characters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time

from workshop_tui.domain.models import Broadcast
from workshop_tui.domain.text_fields import clean_name
from workshop_tui.services.access import Action, Actor, Kind, authorize
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.clock import utc_now
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.events import Subscription
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.storage.repositories.broadcasts import BroadcastRepository

MESSAGE_MAX = 300
TOPIC = "broadcast.sent"



class BroadcastFeed:
    """Broadcasts as they are sent, for one signed-in session."""

    def __init__(self, subscription: Subscription) -> None:
        self._subscription = subscription

    async def get(self, timeout: float | None = None) -> Broadcast:  # noqa: ASYNC109 - a bounded wait for screens
        event = await self._subscription.get(timeout)
        return event.data["broadcast"]


class BroadcastService:
    def __init__(self, ctx: ServiceContext, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.ctx = ctx
        self.clock = clock

    async def send(self, actor: Actor, text: str) -> Broadcast:
        """Store and deliver a broadcast to every open session of the class."""
        message = clean_name(text, "message", MESSAGE_MAX)
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.CREATE, Kind.BROADCAST)
            broadcast = await BroadcastRepository(session).add(author_id=actor.id, author_name=actor.name,
                                                               text=message, at=self.clock())
            await AuditRepository(session).record(actor_id=actor.id, actor_name=actor.name, action="broadcast.send",
                                                  target_type="broadcast", target_id=broadcast.id,
                                                  after={"text": message})
        self.ctx.events.publish(TOPIC, broadcast=broadcast)
        return broadcast

    async def today(self, actor: Actor) -> list[Broadcast]:
        """This UTC day's broadcasts, oldest first: what a session opened later shows."""
        midnight = datetime.combine(self.clock().astimezone(UTC).date(), time(0), tzinfo=UTC)
        async with self.ctx.db.reading() as session:
            await fresh_actor(session, actor)
            return await BroadcastRepository(session).since(midnight)

    @asynccontextmanager
    async def subscribe(self, actor: Actor) -> AsyncIterator[BroadcastFeed]:
        """`async with broadcasts.subscribe(me) as feed: broadcast = await feed.get()`; any active
        account listens."""
        async with self.ctx.db.reading() as session:
            await fresh_actor(session, actor)
        async with self.ctx.events.subscribe(TOPIC) as subscription:
            yield BroadcastFeed(subscription)
