"""Keeping a session in step with its account, through the event bus rather than polling.

When an event about the signed-in account arrives, the account is read again (one query) and the
app reacts: a waiting account that was approved moves on to its places, a rejected one is signed out
with the reason, a role change updates the sidebar with a notice (and leaves a place the new role
may not see), and a changed password, a suspension or a deletion signs the session out at once.
Changes made by another process (the command line, a second server on the same database) send no
event here, so with no event for a while the account and its grants are read again anyway, and a
grant that changed is announced as if its event had come.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.worker import Worker

from workshop_tui.domain.enums import AccountStatus
from workshop_tui.domain.errors import NotAuthenticated, ServiceError
from workshop_tui.ui.navigation import BY_KEY
from workshop_tui.ui.text import say

if TYPE_CHECKING:
    from workshop_tui.domain.models import User
    from workshop_tui.services.access import Actor
    from workshop_tui.ui.app import WorkshopApp


RECHECK_S = 20.0  # with no event, read the account this often anyway


class AccountWatch:
    def __init__(self, app: WorkshopApp) -> None:
        self.app = app
        self._worker: Worker[None] | None = None
        self._granted: dict[str, list[str]] | None = None
        """The models and tools the account was last seen to be granted, by name (None: not read)."""

    def start(self, actor: Actor) -> None:
        self.stop()
        self._granted = None
        self._worker = self.app.run_worker(self._watch(actor), group="account-watch", exclusive=True,
                                           exit_on_error=False)

    @property
    def granted(self) -> dict[str, list[str]] | None:
        """The models and tools the account was last seen to be granted, by name; None before the
        first read, or while the account is not active."""
        return self._granted

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    async def _watch(self, actor: Actor) -> None:
        accounts = self.app.services.accounts
        try:
            async with accounts.watch_account(actor) as feed:
                # Once more now that events are heard: a change made between the sign-in's read
                # and the subscription (an approval in that instant) would otherwise wait a recheck.
                await self._refresh(actor)
                while True:
                    try:
                        event = await feed.get(timeout=RECHECK_S)
                    except TimeoutError:
                        event = None  # a change made by another process (the CLI) sends no event here
                    if event is not None and event.topic == "user.deleted":
                        raise NotAuthenticated("your account was deleted")
                    before = self._granted
                    await self._refresh(actor)
                    if event is not None:
                        self._grants_changed(event.data.get("changes", {}))
                    elif before is not None and self._granted is not None:
                        self._grants_changed({key: {"before": before[key], "after": self._granted[key]}
                                              for key in ("models", "tools")})
        except NotAuthenticated as exc:
            self._worker = None  # this worker ends here; signing out must not cancel it mid-step
            self.app.request_sign_out(str(exc))
        except ServiceError as exc:
            say(self.app, f"Lost track of your account: {exc}", severity="error")

    async def _refresh(self, actor: Actor) -> None:
        before = self.app.user
        access = await self.app.call(self.app.services.accounts.my_access(actor))
        now = access.user
        self._granted = {"models": access.models, "tools": access.tools} if now.is_active else None
        if now.status in (AccountStatus.SUSPENDED, AccountStatus.REJECTED):
            from workshop_tui.services.accounts import status_message

            raise NotAuthenticated(status_message(now))
        self.app.user = now
        if before is None:
            return
        if before.status is AccountStatus.PENDING and now.status is AccountStatus.ACTIVE:
            say(self.app, f"Your account was approved: you are a {now.role}. Welcome!", timeout=10)
            while len(self.app.screen_stack) > 1:
                self.app.pop_screen()
            await self.app.open_places()
        elif before.role is not now.role and now.status is AccountStatus.ACTIVE:
            self._role_changed(before, now)

    def _grants_changed(self, changes: dict[str, Any]) -> None:
        """Say which models and tools were given or taken away, and let open screens read again
        what the account may use."""
        lines = []
        for key, noun in (("models", "models"), ("tools", "tools")):
            change = changes.get(key)
            if not isinstance(change, dict) or self.app.user is None or not self.app.user.is_active:
                continue
            before, after = set(change.get("before") or ()), set(change.get("after") or ())
            if after - before:
                lines.append(f"You may now use {noun} {', '.join(sorted(after - before))}.")
            if before - after:
                lines.append(f"You may no longer use {noun} {', '.join(sorted(before - after))}.")
        if lines and self.app.user is not None:
            say(self.app, "\n".join(lines), title="Your access changed", timeout=12)
            self.app.access_changed_signal.publish(self.app.user)

    def _role_changed(self, before: User, now: User) -> None:
        say(self.app, f"Your role changed from {before.role} to {now.role}; the menu shows what you may use now.",
            title="Role changed", timeout=12)
        self.app.access_changed_signal.publish(now)
        current = BY_KEY.get(self.app.current_mode)
        if current is not None and not current.visible_to(now.role):
            self.app.request_go("chat")
