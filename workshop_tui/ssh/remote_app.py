"""The app as it runs for one SSH connection.

Over SSH the connection is the account: signing out (or being signed out because the account was
suspended, deleted or given a new password) ends the connection with the reason on the client's
screen, rather than leaving a sign-in form that anyone at that terminal could use.

`settled` is set once the session's first screen is up and, for a signed-in session, its places are
open: the server lets only a few sessions start at once (see `SshServer.starting`).

A session may be told to end before its first screen is up (the client left at once, the server is
stopping); it then ends as soon as that screen is up, since Textual does not take kindly to an exit
in the middle of mounting it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import events, on

from workshop_tui.ui.app import WorkshopApp

if TYPE_CHECKING:
    from workshop_tui.services.access import Actor


class RemoteApp(WorkshopApp):
    farewell: str | None = None
    """The last line the client reads once its screen is restored."""
    _painted = False
    _ending: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settled = asyncio.Event()
        self._signs_in = kwargs.get("signed_in") is not None

    def end(self, message: str, return_code: int = 0) -> None:
        """Close the session, saying why."""
        if self.farewell is None:
            self.farewell = message
        if self._painted:
            self.exit(return_code=return_code)
        elif self._ending is None:
            self._ending = return_code

    @on(events.Ready)
    def _first_screen_up(self) -> None:
        self._painted = True
        if not self._signs_in:
            self.settled.set()
        if self._ending is not None:
            self.exit(return_code=self._ending)

    async def sign_in(self, actor: Actor) -> None:
        try:
            await super().sign_in(actor)
        finally:
            self.settled.set()

    async def sign_out(self, reason: str | None = None) -> None:
        if self.actor is None:
            await super().sign_out(reason)
            return
        self.actor = None  # every service call from here on would be refused anyway
        self.end(f"Signed out: {reason}." if reason else "Signed out.", 1 if reason else 0)
