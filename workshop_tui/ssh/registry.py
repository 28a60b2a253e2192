"""The open terminal sessions: the caps on how many, and finding them to end them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workshop_tui.ssh.connection import Login
    from workshop_tui.ssh.session import AppSession


class Registry:
    def __init__(self, max_sessions: int, max_per_user: int) -> None:
        self.max_sessions = max_sessions
        self.max_per_user = max_per_user
        self._sessions: dict[str, AppSession] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def __iter__(self) -> Iterator[AppSession]:
        return iter(list(self._sessions.values()))

    def refusal(self, login: Login) -> str | None:
        """Why a new session for `login` may not open now, or None."""
        if len(self._sessions) >= self.max_sessions:
            return (f"the server is full: {len(self._sessions)} sessions are open, its limit. "
                    "Try again in a few minutes.")
        key = login.cap_key
        if key is not None:
            open_now = sum(1 for session in self._sessions.values() if session.login.cap_key == key)
            if open_now >= self.max_per_user:
                return (f"{key} already has {open_now} sessions open, the most one account may have. "
                        "Close one (Ctrl+Q) and connect again.")
        return None

    def add(self, session: AppSession) -> None:
        self._sessions[session.id] = session

    def remove(self, session: AppSession) -> None:
        self._sessions.pop(session.id, None)

    def of_user(self, user_id: int) -> list[AppSession]:
        return [session for session in self._sessions.values() if session.user_id == user_id]

    def idle_since(self, moment: float) -> list[AppSession]:
        """Sessions whose last key press or click came before `moment` (monotonic)."""
        return [session for session in self._sessions.values() if session.last_input < moment]
