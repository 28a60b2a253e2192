"""What is being generated right now: each reply's user, model and host, its wait for a turn, and
the tokens streamed so far; and the generations that failed lately.

The chat service reports each reply here as it goes (`begin`, then `queued`/`running`/`produced`,
then `end`); it is all in memory and costs a few attribute writes per streamed batch. Staff read
it through `ActivityService`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workshop_tui.services.access import Actor
from workshop_tui.services.changes import ChangeCounter

RECENT_ERRORS = 20


@dataclass(frozen=True)
class Generation:
    """One reply being generated, as of now."""

    user_id: int
    username: str
    model: str
    host: str
    queued_at: datetime
    waited_s: float
    """How long it waited for its turn (so far, while it still waits)."""
    running: bool
    position: int
    """Requests ahead of it while it waits (0 = next)."""
    tokens: int
    """Chunks streamed so far: Ollama sends about one token per chunk."""


@dataclass(frozen=True)
class RecentError:
    at: datetime
    where: str
    message: str
    user_id: int | None = None


class LiveGeneration:
    """The chat service's handle on one reply."""

    def __init__(self, tracker: GenerationTracker, actor: Actor, model: str, host: str) -> None:
        self._tracker = tracker
        self.user_id = actor.id or 0
        self.username = actor.name
        self.model = model
        self.host = host
        self.queued_at = tracker.now()
        self.started: float | None = None
        self.begun = tracker.monotonic()
        self.position = 0
        self.tokens = 0

    def queued(self, position: int) -> None:
        self.position = position
        self._tracker.changes.bump()

    def running(self) -> None:
        if self.started is None:
            self.started = self._tracker.monotonic()
            self._tracker.changes.bump()

    def produced(self, chunks: int) -> None:
        self.tokens += chunks
        self._tracker.changes.bump()

    def end(self, error: str | None = None) -> None:
        self._tracker._end(self, error)

    def snapshot(self) -> Generation:
        waited = (self.started if self.started is not None else self._tracker.monotonic()) - self.begun
        return Generation(self.user_id, self.username, self.model, self.host, self.queued_at, max(0.0, waited),
                          self.started is not None, self.position, self.tokens)


class GenerationTracker:
    def __init__(self, changes: ChangeCounter | None = None, *,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.changes = changes or ChangeCounter()
        self.monotonic = monotonic
        self._live: set[LiveGeneration] = set()
        self._errors: deque[RecentError] = deque(maxlen=RECENT_ERRORS)
        self._wall_start = datetime.now(UTC)
        self._mono_start = monotonic()

    def now(self) -> datetime:
        """Wall time read from the monotonic clock, so tests that fake one fake both."""
        return self._wall_start + timedelta(seconds=self.monotonic() - self._mono_start)

    def begin(self, actor: Actor, model: str, host: str) -> LiveGeneration:
        live = LiveGeneration(self, actor, model, host)
        self._live.add(live)
        self.changes.bump()
        return live

    def failed(self, actor: Actor, model: str, error: str) -> None:
        """A reply that never reached a host (every host down, or none serves the model)."""
        self._errors.append(RecentError(self.now(), f"{actor.name} · {model}", error, actor.id))
        self.changes.bump()

    def _end(self, live: LiveGeneration, error: str | None) -> None:
        if live in self._live:
            self._live.discard(live)
            if error:
                self._errors.append(RecentError(self.now(), f"{live.username} · {live.model} · {live.host}", error,
                                                live.user_id))
            self.changes.bump()

    def generations(self) -> list[Generation]:
        """Every reply in progress, the longest-running first."""
        return sorted((live.snapshot() for live in self._live), key=lambda g: (g.queued_at, g.username))

    def errors(self) -> list[RecentError]:
        """The latest failures, newest first."""
        return list(reversed(self._errors))
