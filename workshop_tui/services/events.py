"""An in-process event bus: services publish, open sessions and admin screens subscribe.

Each subscriber gets its own bounded queue; a subscriber that stops reading loses its oldest
events rather than slowing the publisher (a dropped count is kept, so a screen can refresh).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    """`topic` names what happened, e.g. "user.registered", "user.changed", "job.progress"."""

    topic: str
    data: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None  # the account the event is about, if any
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class Subscription:
    def __init__(self, accepts: Callable[[Event], bool], maxsize: int) -> None:
        self._accepts = accepts
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.dropped = 0

    def _offer(self, event: Event) -> None:
        if not self._accepts(event):
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    async def get(self, timeout: float | None = None) -> Event:  # noqa: ASYNC109 - a bounded wait for callers
        return await asyncio.wait_for(self._queue.get(), timeout)

    def pending(self) -> int:
        return self._queue.qsize()

    def drain(self) -> int:
        """Drop the events waiting to be read (for a reader that refreshes once for many); how many."""
        dropped = 0
        while not self._queue.empty():
            self._queue.get_nowait()
            dropped += 1
        return dropped

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            yield await self._queue.get()


class EventBus:
    def __init__(self, maxsize: int = 256) -> None:
        self._subscriptions: set[Subscription] = set()
        self._maxsize = maxsize

    def publish(self, topic: str, *, user_id: int | None = None, **data: Any) -> Event:
        """Deliver to every matching subscriber now; never blocks, never raises for a subscriber."""
        event = Event(topic=topic, data=data, user_id=user_id)
        for subscription in list(self._subscriptions):
            subscription._offer(event)
        return event

    @asynccontextmanager
    async def subscribe(self, *topics: str, user_id: int | None = None) -> AsyncIterator[Subscription]:
        """Events whose topic starts with one of `topics` (all if none), about `user_id` if given."""

        def accepts(event: Event) -> bool:
            topic_ok = not topics or any(event.topic == t or event.topic.startswith(t + ".") for t in topics)
            return topic_ok and (user_id is None or event.user_id == user_id)

        subscription = Subscription(accepts, self._maxsize)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)
