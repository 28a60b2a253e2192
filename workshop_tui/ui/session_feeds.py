"""What a signed-in session keeps running beside its screens.

- Its entry on the list of who is online: joined at sign-in, moved with each place, left at sign-out
  (or when the connection closes).
- Class broadcasts: the day's so far when the places open, then each new one as a notification.
- For staff, the number of registrations waiting, which the sidebar shows on the Admin entry; it is
  counted again whenever the queue changes (an event), never on a timer.

Each runs as the app's own worker, so no screen has to be open for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.worker import Worker

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.errors import Forbidden, NotAuthenticated, ServiceError
from workshop_tui.ui.navigation import STAFF
from workshop_tui.ui.text import say

if TYPE_CHECKING:
    from workshop_tui.domain.models import Broadcast, User
    from workshop_tui.services.access import Actor
    from workshop_tui.services.presence import PresenceTicket
    from workshop_tui.ui.app import WorkshopApp

log = get_logger(__name__)
SHOWN_AT_START = 3  # the day's latest broadcasts shown when a session opens
BROADCAST_SECONDS = 30
RECOUNT_S = 20.0  # with no event, count the pending registrations again this often


def describe_broadcast(broadcast: Broadcast) -> tuple[str, str]:
    """(title, message) of a broadcast's notification."""
    return f"Broadcast from {broadcast.author_name} at {broadcast.at:%H:%M} UTC", broadcast.text


class SessionFeeds:
    def __init__(self, app: WorkshopApp) -> None:
        self.app = app
        self._ticket: PresenceTicket | None = None
        self._workers: dict[str, Worker[None]] = {}

    # -- who is online -------------------------------------------------------------------------

    async def join(self, actor: Actor, place: str) -> None:
        """Put this session on the list of who is online (a failure costs only that entry)."""
        self.leave()
        try:
            self._ticket = await self.app.call(self.app.services.activity.join(
                actor, self.app.session.session_id, place, source=self.app.session.source))
        except ServiceError as exc:
            log.warning("could not join the list of who is online: %s", exc,
                        extra={"session_id": self.app.session.session_id})

    def moved(self, place: str) -> None:
        if self._ticket is not None:
            self._ticket.move(place)

    def leave(self) -> None:
        if self._ticket is not None:
            self._ticket.leave()
            self._ticket = None

    # -- broadcasts and the approvals count ----------------------------------------------------

    def start_places(self, actor: Actor) -> None:
        """The places are open: listen for broadcasts, and count pending registrations for staff."""
        self._run("broadcast-watch", self._broadcasts(actor))
        self.user_changed(self.app.user)

    def user_changed(self, user: User | None) -> None:
        """The account changed (role, status): keep the presence entry and the count in step."""
        if user is None or self.app.actor is None:
            return
        if self._ticket is not None:
            self._ticket.set_role(user.role)
        if "broadcast-watch" not in self._workers:
            return  # the places are not open yet (waiting for approval)
        if user.role in STAFF and user.is_active:
            if "pending-watch" not in self._workers:
                self._run("pending-watch", self._pending(self.app.actor))
        else:
            self._cancel("pending-watch")
            self.app.pending_registrations = 0

    def stop(self) -> None:
        for name in list(self._workers):
            self._cancel(name)
        self.leave()
        self.app.pending_registrations = 0

    def _run(self, name: str, work: object) -> None:
        self._cancel(name)
        self._workers[name] = self.app.run_worker(work, group=name, exclusive=True,  # type: ignore[arg-type]
                                                  exit_on_error=False)

    def _cancel(self, name: str) -> None:
        worker = self._workers.pop(name, None)
        if worker is not None:
            worker.cancel()

    async def _broadcasts(self, actor: Actor) -> None:
        service = self.app.services.broadcasts
        try:
            async with service.subscribe(actor) as feed:
                for broadcast in (await self.app.call(service.today(actor)))[-SHOWN_AT_START:]:
                    self._show(broadcast)
                while True:
                    self._show(await feed.get())  # memory only: safe to cancel while waiting
        except (NotAuthenticated, Forbidden):
            return  # the account watch signs the session out, or the account can no longer listen
        except ServiceError as exc:
            log.warning("broadcasts stopped: %s", exc, extra={"session_id": self.app.session.session_id})

    def _show(self, broadcast: Broadcast) -> None:
        title, message = describe_broadcast(broadcast)
        say(self.app, message, title=title, timeout=BROADCAST_SECONDS)

    async def _pending(self, actor: Actor) -> None:
        approvals = self.app.services.approvals
        try:
            async with approvals.subscribe_queue(actor) as feed:
                while True:
                    page = await self.app.call(approvals.list_pending(actor, limit=1))
                    self.app.pending_registrations = page.total
                    try:  # memory only: a closing session cancels it at once
                        await feed.wait(timeout=RECOUNT_S)
                    except TimeoutError:
                        pass  # count again anyway: the command line sends no event here
        except (NotAuthenticated, Forbidden):
            self.app.pending_registrations = 0
        except ServiceError as exc:
            log.warning("the approvals count stopped: %s", exc, extra={"session_id": self.app.session.session_id})
