"""A fair queue in front of Ollama generations: per-host slots, round-robin between users.

Ollama serves one generation per model slot (OLLAMA_NUM_PARALLEL, default 1) and queues the rest in
arrival order, so one attendee firing ten requests would make everyone else wait behind all ten.
This queue holds requests on our side instead and, whenever a host slot frees, serves the waiting
user who was served least recently. An optional per-user limit caps one user's concurrent
generations across all hosts. Everything runs on the event loop: no locks, no polling.

    async with queue.slot(user_id, host) as ticket:
        ...  # generate on `host`
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from types import TracebackType

UserLimit = int | Callable[[str], int | None] | None

NEW, WAITING, RUNNING, DONE, CANCELLED = "new", "waiting", "running", "done", "cancelled"


class Ticket:
    """One request's place in the queue.

    `position` is how many waiting requests go before it: 0 means next to be served or running, -1
    means not queued yet. `version` counts changes (position or state); watch them with
    `wait_changed()`, `positions()` or the `on_position` callback given to `FairQueue.slot`.
    """

    def __init__(self, user_id: str, host: str, seq: int, on_position: Callable[[int], None] | None) -> None:
        self.user_id = user_id
        self.host = host
        self.seq = seq
        self.state = NEW
        self.position = -1
        self.version = 0
        self._on_position = on_position
        self._watchers: list[asyncio.Future[None]] = []
        self._granted = asyncio.Event()

    def __repr__(self) -> str:
        return f"Ticket({self.user_id!r}, {self.host!r}, state={self.state}, position={self.position})"

    @property
    def running(self) -> bool:
        """True from the moment the slot is granted until it is released."""
        return self.state == RUNNING

    @property
    def finished(self) -> bool:
        """Done or cancelled: nothing about this ticket will change any more."""
        return self.state in (DONE, CANCELLED)

    def _set(self, *, position: int | None = None, state: str | None = None) -> None:
        moved = position is not None and position != self.position
        if moved:
            self.position = position  # type: ignore[assignment]
        if not moved and (state is None or state == self.state):
            return
        if state is not None:
            self.state = state
        self.version += 1
        for fut in self._watchers:
            if not fut.done():
                fut.set_result(None)
        self._watchers.clear()
        if moved and self._on_position is not None:
            self._on_position(self.position)

    async def wait_changed(self, seen_version: int | None = None) -> int:
        """Wait for a change after `seen_version` (default: the current one); returns the position.

        Passing the version you last saw means no change is missed between two calls.
        """
        seen = self.version if seen_version is None else seen_version
        while self.version == seen:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._watchers.append(fut)
            try:
                await fut
            finally:
                if fut in self._watchers:
                    self._watchers.remove(fut)
        return self.position

    async def positions(self) -> AsyncIterator[int]:
        """Yield the position whenever it changes (starting with the current one, once queued),
        ending when the request starts running or leaves the queue."""
        last: int | None = None
        while True:
            version = self.version
            if self.state != NEW and self.position != last:
                last = self.position
                yield last
            if self.state not in (NEW, WAITING):
                return
            await self.wait_changed(version)


class _Slot:
    """The async context manager returned by `FairQueue.slot`; `ticket` is available before entry."""

    def __init__(self, queue: FairQueue, ticket: Ticket) -> None:
        self._queue = queue
        self.ticket = ticket

    async def __aenter__(self) -> Ticket:
        await self._queue._acquire(self.ticket)
        return self.ticket

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._queue._release(self.ticket)

    def give_back(self) -> None:
        """Leave the queue or free the slot, whichever the ticket holds now; safe to call at any
        moment and more than once. For owners that cannot be sure their `async with` ran its exit:
        a ticket granted while nobody was awaiting it would otherwise hold the slot for ever."""
        if self.ticket.state == RUNNING:
            self._queue._release(self.ticket, state=CANCELLED)
        elif self.ticket.state == WAITING:
            self._queue._remove_waiting(self.ticket)


class FairQueue:
    """Per-host generation slots shared round-robin between users."""

    def __init__(
        self,
        *,
        default_capacity: int = 1,
        host_capacity: Mapping[str, int] | None = None,
        per_user_limit: UserLimit = None,
    ) -> None:
        self.default_capacity = default_capacity
        self._capacity: dict[str, int] = dict(host_capacity or {})
        self.per_user_limit = per_user_limit
        self._seq = itertools.count()
        self._serve_seq = itertools.count()
        self._waiting: dict[str, dict[str, deque[Ticket]]] = {}  # host -> user -> tickets (arrival order)
        self._running: dict[str, int] = {}  # host -> generations in flight
        self._user_running: dict[str, int] = {}  # user -> generations in flight, all hosts
        self._last_served: dict[str, int] = {}  # user -> serve sequence number

    # -- public ----------------------------------------------------------------------------------

    def slot(self, user_id: str, host: str, *, on_position: Callable[[int], None] | None = None) -> _Slot:
        """Reserve a turn for `user_id` on `host`; enter the result with `async with`."""
        return _Slot(self, Ticket(user_id, host, next(self._seq), on_position))

    def capacity(self, host: str) -> int:
        """Generations allowed in flight on `host` at once."""
        return self._capacity.get(host, self.default_capacity)

    def set_capacity(self, host: str, capacity: int) -> None:
        """Change a host's slot count (e.g. to match its OLLAMA_NUM_PARALLEL); may admit waiters now."""
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity[host] = capacity
        self._dispatch_all()

    def running(self, host: str) -> int:
        """Generations in flight on `host` now."""
        return self._running.get(host, 0)

    def in_flight(self) -> int:
        """Generations in flight now, on every host."""
        return sum(self._running.values())

    def waiting(self, host: str) -> int:
        """Requests queued for `host` now."""
        return sum(len(q) for q in self._waiting.get(host, {}).values())

    def user_limit(self, user_id: str) -> int | None:
        """This user's cap on concurrent generations (all hosts), or None for no cap."""
        limit = self.per_user_limit
        return limit(user_id) if callable(limit) else limit

    # -- acquire / release -----------------------------------------------------------------------

    async def _acquire(self, ticket: Ticket) -> None:
        if ticket.state != NEW:
            raise RuntimeError("a slot can be entered only once")
        self._waiting.setdefault(ticket.host, {}).setdefault(ticket.user_id, deque()).append(ticket)
        ticket.state = WAITING  # its position is announced by the renumbering below
        self._dispatch(ticket.host)
        if ticket.state == RUNNING:
            return
        try:
            await ticket._granted.wait()
        except BaseException:
            if ticket.state == RUNNING:  # granted just as we were cancelled: give the slot back
                self._release(ticket, state=CANCELLED)
            else:
                self._remove_waiting(ticket)
            raise

    def _release(self, ticket: Ticket, state: str = DONE) -> None:
        if ticket.state != RUNNING:
            return
        self._running[ticket.host] -= 1
        self._user_running[ticket.user_id] -= 1
        if not self._user_running[ticket.user_id]:
            del self._user_running[ticket.user_id]
        ticket._set(state=state)
        self._forget_if_idle(ticket.user_id)
        self._dispatch_all()  # a freed per-user allowance may admit this user on another host

    def _remove_waiting(self, ticket: Ticket) -> None:
        users = self._waiting.get(ticket.host, {})
        queue = users.get(ticket.user_id)
        if queue is not None and ticket in queue:
            queue.remove(ticket)
            if not queue:
                del users[ticket.user_id]
        ticket._set(state=CANCELLED)
        self._forget_if_idle(ticket.user_id)
        self._dispatch(ticket.host)

    def _forget_if_idle(self, user_id: str) -> None:
        """Drop a user's service history once they have nothing queued or running, to bound memory."""
        if user_id in self._user_running:
            return
        if any(user_id in users for users in self._waiting.values()):
            return
        self._last_served.pop(user_id, None)

    # -- scheduling ------------------------------------------------------------------------------

    def _order(self, host: str) -> list[str]:
        """Waiting users, least recently served first (never served first of all), then by arrival."""
        users = self._waiting.get(host, {})
        return sorted(users, key=lambda u: (self._last_served.get(u, -1), users[u][0].seq))

    def _eligible(self, user_id: str) -> bool:
        limit = self.user_limit(user_id)
        return limit is None or self._user_running.get(user_id, 0) < limit

    def _dispatch_all(self) -> None:
        for host in list(self._waiting):
            self._dispatch(host)

    def _dispatch(self, host: str) -> None:
        """Fill free slots on `host`, then tell every waiter on it its new position."""
        users = self._waiting.get(host, {})
        while self._running.get(host, 0) < self.capacity(host):
            user = next((u for u in self._order(host) if self._eligible(u)), None)
            if user is None:
                break
            ticket = users[user].popleft()
            if not users[user]:
                del users[user]
            self._running[host] = self._running.get(host, 0) + 1
            self._user_running[user] = self._user_running.get(user, 0) + 1
            self._last_served[user] = next(self._serve_seq)
            ticket._set(position=0, state=RUNNING)
            ticket._granted.set()
        if not users:
            self._waiting.pop(host, None)
        self._renumber(host)

    def _renumber(self, host: str) -> None:
        """Positions follow the round-robin that dispatch will apply: one ticket per user per round."""
        users = self._waiting.get(host, {})
        queues = [list(users[u]) for u in self._order(host)]
        position = 0
        for round_index in range(max((len(q) for q in queues), default=0)):
            for q in queues:
                if round_index < len(q):
                    q[round_index]._set(position=position)
                    position += 1
