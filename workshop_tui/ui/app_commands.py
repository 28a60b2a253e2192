"""What the app offers on every screen: moving to a place or signing out from a screen's handler,
the command palette's app-wide commands, the keys' help, the move to the sidebar, and stand-ins for
Textual's actions that would act on the machine the app runs on (over SSH, that is the server):
opening a link, saving a file, taking a screenshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from workshop_tui.ui.navigation import FAMILY, visible_places
from workshop_tui.ui.text import say

if TYPE_CHECKING:
    from workshop_tui.domain.models import User
    from workshop_tui.services.access import Actor


class AppCommands(App[None]):
    """The base of `WorkshopApp`, which provides the session these commands read."""

    user: Any  # User | None: the signed-in account (a reactive of WorkshopApp)
    actor: Actor | None

    @property
    def places_open(self) -> bool:
        raise NotImplementedError

    async def go(self, key: str) -> None:
        """Open a sidebar place (or sign out)."""
        raise NotImplementedError

    async def sign_out(self, reason: str | None = None) -> None:
        raise NotImplementedError

    # -- what screens ask for: it runs as the app's own work ---------------------------------------

    def request_sign_out(self, reason: str | None = None) -> None:
        """Sign out from anywhere: it runs as the app's own work, since it removes the screens (and
        so the workers and handlers) that may be asking for it."""
        self.run_worker(self.sign_out(reason), group="sign-out", exclusive=True, exit_on_error=False)

    def request_go(self, key: str) -> None:
        """Open a sidebar place from a screen's handler, as the app's own work (see request_sign_out)."""
        self.run_worker(self.go(key), group="navigate", exit_on_error=False)

    def request_chat_with(self, text: str) -> None:
        """Open Chat with `text` in the composer of a new conversation, from any screen's handler."""
        self.run_worker(self._in_chat("start_with", text), group="navigate", exit_on_error=False)

    def request_conversation(self, conversation_id: int) -> None:
        """Open Chat on one conversation, from another place (as the app's own work, see request_go)."""
        self.run_worker(self._in_chat("open_conversation", conversation_id), group="navigate", exit_on_error=False)

    async def _in_chat(self, method: str, argument: object) -> None:
        await self.go("chat")
        call = getattr(self.screen, method, None)
        if self.current_mode == "chat" and call is not None:
            call(argument)

    # -- the palette, help, and nothing that acts on the server ------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette's commands: this screen's own, the places, and a few of the app's. Nothing that
        writes files or opens a browser on the machine the app runs on (no screenshot)."""
        own = getattr(screen, "palette_commands", None)
        if own is not None:
            yield from own()
        user: User | None = self.user
        if user is not None and self.places_open:
            for place in visible_places(user.role):
                yield SystemCommand(f"Go to {place.label}", place.summary[:1].upper() + place.summary[1:],
                                    lambda key=place.key: self.request_go(key))
            if self.actor is not None and self.actor.wards:
                yield SystemCommand("Family accounts", "Read your family members' conversations and usage",
                                    lambda: self.request_go(FAMILY))
            yield SystemCommand("Sign out", "End this session", self.request_sign_out)
        yield SystemCommand("Change theme", "Pick a colour theme; it follows you to every session",
                            self.action_change_theme)
        yield SystemCommand("Keys", "Show the keys of this screen", self.action_help)
        yield SystemCommand("Quit", "Leave workshop-tui", self.action_quit)

    def action_help(self) -> None:
        from workshop_tui.ui.screens.help import HelpScreen, KeyRow

        if isinstance(self.screen, HelpScreen):
            return
        rows: list[KeyRow] = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            own = active.node is self.screen or active.node is self or binding.show
            if own and binding.description and binding.action != "help":
                rows.append((self.get_key_display(binding), binding.description, binding.tooltip or ""))
        self.push_screen(HelpScreen(self.screen.name or "workshop-tui", rows))

    def action_focus_sidebar(self) -> None:
        try:
            self.screen.query_one("#places").focus()
        except Exception:  # noqa: S110 - a screen without a sidebar (the entry screens)
            pass

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """Links are never opened on the machine the app runs on (over SSH, that is the server)."""
        say(self, f"Links are not opened from here. The address is:\n{url}", title="Link", timeout=20)

    def deliver_binary(self, *args: Any, **kwargs: Any) -> str | None:
        say(self, "Files are not saved from here.", severity="warning")
        return None

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        say(self, "Screenshots are not saved from here: use your terminal's own.", severity="warning")
