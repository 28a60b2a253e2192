"""Who is online, and where: one entry per open session, kept in this process's memory.

Every signed-in session joins when it signs in, says which place it is on as it moves, and leaves
when it signs out or its connection closes. Nothing is stored: a restart empties the list, as it
ends every session. Reading the list is for staff, through `ActivityService`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from workshop_tui.domain.enums import Role
from workshop_tui.domain.text import one_line
from workshop_tui.services.changes import ChangeCounter
from workshop_tui.services.clock import utc_now

PLACE_MAX = 40



@dataclass(frozen=True)
class Presence:
    """One open session."""

    session_id: str
    user_id: int
    username: str
    role: Role
    place: str
    source: str | None
    since: datetime
    """When the session signed in."""


class PresenceTicket:
    """A session's own handle on its entry: only the session that joined holds it."""

    def __init__(self, registry: PresenceRegistry, key: int) -> None:
        self._registry = registry
        self._key = key

    def move(self, place: str) -> None:
        self._registry._move(self._key, place)

    def set_role(self, role: Role) -> None:
        """The account's role changed while the session is open."""
        self._registry._update(self._key, role=role)

    def leave(self) -> None:
        self._registry._leave(self._key)


class PresenceRegistry:
    def __init__(self, changes: ChangeCounter | None = None, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.changes = changes or ChangeCounter()
        self._clock = clock
        self._sessions: dict[int, Presence] = {}
        self._next = 0

    def join(self, session_id: str, user_id: int, username: str, role: Role, place: str,
             source: str | None) -> PresenceTicket:
        """Add an entry; call through `ActivityService.join`, which checks who is joining."""
        self._next += 1
        self._sessions[self._next] = Presence(session_id, user_id, username, role, one_line(place, PLACE_MAX),
                                              source, self._clock())
        self.changes.bump()
        return PresenceTicket(self, self._next)

    def _move(self, key: int, place: str) -> None:
        self._update(key, place=one_line(place, PLACE_MAX))

    def _update(self, key: int, **fields: object) -> None:
        entry = self._sessions.get(key)
        if entry is not None:
            changed = replace(entry, **fields)  # type: ignore[arg-type]
            if changed != entry:
                self._sessions[key] = changed
                self.changes.bump()

    def _leave(self, key: int) -> None:
        if self._sessions.pop(key, None) is not None:
            self.changes.bump()

    def sessions(self) -> list[Presence]:
        """Every open session, the longest signed in first."""
        return sorted(self._sessions.values(), key=lambda p: (p.since, p.username))
