"""`WorkshopApp`: the frame every screen lives in, for one person at one terminal.

The same app runs in a local terminal and, in the SSH server, once per connection in one process
and one event loop. So it owns nothing process-wide: the services (`Workshop`) and the connection
(`SessionContext`) come in through the constructor, it reads no environment after start, writes no
files, and never opens a browser on the machine it runs on.

Signing in adds one mode per sidebar place (each place keeps its own screen, so a reply keeps
streaming while you look at another place); signing out removes them and returns to the entry
screens. The signed-in account is watched through the event bus: approval moves a waiting account
on, a role change updates the sidebar with a notice, and a changed password, a suspension or a
deletion signs the session out with the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.reactive import reactive
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.enums import AccountStatus
from workshop_tui.domain.errors import ConfigError, Invalid, NotAuthenticated, ServiceError
from workshop_tui.ui.app_commands import AppCommands
from workshop_tui.ui.navigation import BY_KEY, FAMILY, PLACES
from workshop_tui.ui.screens.sign_in import SignInScreen
from workshop_tui.ui.service_calls import shielded
from workshop_tui.ui.session import SessionContext
from workshop_tui.ui.text import say
from workshop_tui.ui.themes import ThemeSet, install_themes, load_themes

if TYPE_CHECKING:
    from workshop_tui.domain.models import User
    from workshop_tui.services.access import Actor
    from workshop_tui.services.workshop import Workshop
    from workshop_tui.ui.account_watch import AccountWatch
    from workshop_tui.ui.session_feeds import SessionFeeds

WorkshopOpener = Callable[[], Awaitable["Workshop"]]
log = get_logger(__name__)
ENTRY = "entry"
UI_FOLDER = Path(__file__).parent


class WorkshopApp(AppCommands):
    # The entry screen's CSS is parsed with the app's, so the first frame needs a single parse.
    # Full paths: Textual reads relative ones beside the class, which for a subclass is elsewhere.
    CSS_PATH = [str(UI_FOLDER / "app.tcss"), str(UI_FOLDER / "screens" / "sign_in.tcss")]
    TITLE = "workshop-tui"
    DEFAULT_MODE = ENTRY
    BINDINGS = [
        Binding("f1", "help", "Help", id="help", tooltip="The keys of this screen"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("f2", "focus_sidebar", "Menu", id="menu", tooltip="Move to the sidebar"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]
    user: reactive[User | None] = reactive(None, init=False)
    pending_registrations: reactive[int] = reactive(0, init=False)  # staff: shown on the sidebar's Admin entry

    def __init__(self, workshop: Workshop | None = None, *, session: SessionContext | None = None,
                 open_workshop: WorkshopOpener | None = None, themes: ThemeSet | None = None,
                 signed_in: Actor | None = None) -> None:
        super().__init__()
        if workshop is None and open_workshop is None:
            raise ValueError("give the workshop or a way to open it")
        self.session = session or SessionContext()
        self.actor: Actor | None = None
        self._workshop = workshop
        self._opener = open_workshop
        self._opened = asyncio.Event()
        self._open_error: BaseException | None = None
        self._themes = themes
        self._first_actor = signed_in
        self._places_open = False
        self.access_changed_signal: Signal[User] = Signal(self, "access-changed")
        """Published when an approver changed what the signed-in account may use (its grants or
        role), once `user` holds the new account: open screens read their choices again."""
        self.add_mode(ENTRY, self._entry_screen)
        self._install_themes()

    def _entry_screen(self) -> SignInScreen:
        """The sign-in screen, the base of the entry mode.

        Textual re-parses and re-applies the whole stylesheet when a mode's first screen is older
        than the app's CSS, and a new screen always counts as older. At start-up nothing has
        changed since the app parsed its CSS (the sign-in screen's included), so that second parse
        only delayed the first frame, by about 10 ms. A theme chosen later still restyles the
        screen, as the count then moves on (`tests/ui/test_startup.py`)."""
        screen = SignInScreen()
        screen._css_update_count = self._css_update_count  # Textual 8.2.8's own record
        return screen

    # What a signed-in session runs, imported at the first sign-in: the first frame needs none of it.

    @cached_property
    def _watch(self) -> AccountWatch:
        from workshop_tui.ui.account_watch import AccountWatch

        return AccountWatch(self)

    @cached_property
    def _feeds(self) -> SessionFeeds:  # presence, broadcasts, the approvals count
        from workshop_tui.ui.session_feeds import SessionFeeds

        return SessionFeeds(self)

    @property
    def places_open(self) -> bool:
        """Signed in, with the sidebar's places open (not waiting for approval)."""
        return self._places_open

    # -- the services ------------------------------------------------------------------------------

    @property
    def services(self) -> Workshop:
        if self._workshop is None:
            raise RuntimeError("the workshop is still opening")
        return self._workshop

    async def ready(self) -> Workshop:
        """The services, once open (the local app opens them after its first paint)."""
        await self._opened.wait()
        if self._open_error is not None:
            raise ServiceError(f"the workshop could not be opened: {self._open_error}")
        return self.services

    async def _open(self) -> None:
        try:
            if self._workshop is None and self._opener is not None:
                self._workshop = await self._opener()
        except (ConfigError, Invalid) as exc:  # bad settings: end as every command does, exit code 2
            self._open_error = exc
            self.exit(return_code=2, message=f"workshop-tui: {exc}")
        except Exception as exc:  # shown on the sign-in screen; the app stays up to say so
            log.exception("the workshop could not be opened", extra={"session_id": self.session.session_id})
            self._open_error = exc
            say(self, f"The workshop could not be opened: {exc}", severity="error", timeout=30)
        finally:
            self._opened.set()

    async def close_services(self) -> None:
        """Close the services this app opened itself (never those it was given to share)."""
        if self._opener is not None and self._workshop is not None:
            workshop, self._workshop = self._workshop, None
            await workshop.close()

    async def on_unmount(self) -> None:
        self._watch.stop()
        self._feeds.stop()
        await self.close_services()

    call = staticmethod(shielded)  # a service call that cancelling its caller never cuts short

    async def guarded(self, work: Awaitable[Any], description: str = "") -> Any:
        """Await a service call from a screen (see `call`): a refusal becomes one notification, a
        session the services no longer honour is signed out with the reason."""
        try:
            return await self.call(work)
        except NotAuthenticated as exc:
            self.request_sign_out(str(exc))
        except ServiceError as exc:
            say(self, f"{description}: {exc}" if description else exc, severity="error", timeout=8)
        return None

    # -- start -------------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        if self._themes is not None and self._themes.problems:
            say(self, "Some theme files were not loaded:\n" + "\n".join(self._themes.problems), title="Themes",
                severity="warning", timeout=20)
        self.theme_changed_signal.subscribe(self, self._theme_chosen)
        # Opening the services imports much of the project: start it once the first screen is painted.
        self.call_after_refresh(self._start_opening)

    def _start_opening(self) -> None:
        self.run_worker(self._open(), group="open-workshop", exit_on_error=False)
        if self._first_actor is not None:
            self.run_worker(self._sign_in_first(self._first_actor), group="sign-in", exit_on_error=False)
        elif self.session.register:
            self.open_registration()

    async def _sign_in_first(self, actor: Actor) -> None:
        await self.ready()
        await self.sign_in(actor)

    def _install_themes(self) -> None:
        """Register the themes before the first paint, so the first frame has the right colours."""
        if self._themes is None:
            from workshop_tui.config.paths import themes_dir

            self._themes = load_themes(themes_dir())
        install_themes(self, self._themes)

    def _theme_chosen(self, _theme: object) -> None:
        if self.actor is not None and self.user is not None and self.user.theme != self.theme:
            self.run_worker(self._save_theme(self.theme), group="save-theme", exclusive=True, exit_on_error=False)

    async def _save_theme(self, name: str) -> None:
        if self.actor is not None:
            saved = await self.guarded(self.services.accounts.set_theme(self.actor, name), "Saving the theme")
            if saved is not None:
                self.user = saved

    # -- signing in and out ------------------------------------------------------------------------

    async def sign_in(self, actor: Actor) -> None:
        """Start the session of `actor`: the pending screen for a waiting account, else the places."""
        self.actor = actor
        user = await self.guarded(self.services.accounts.my_account(actor))
        if user is None:
            return
        self.user = user
        if user.theme and user.theme in self.available_themes:
            self.theme = user.theme
        self._watch.start(actor)
        await self._feeds.join(actor, "waiting for approval" if user.status is AccountStatus.PENDING else "Chat")
        if user.status is AccountStatus.PENDING:
            from workshop_tui.ui.screens.pending import PendingScreen

            await self.push_screen(PendingScreen(user))
        else:
            await self.open_places()

    async def open_places(self) -> None:
        if not self._places_open:
            for place in PLACES:
                self.add_mode(place.key, place.make_screen)
            self._places_open = True
        if self.actor is not None:
            from workshop_tui.ui.job_watch import watch_jobs

            watch_jobs(self, self.actor)  # says when an embedding job ends, on any screen
        await self.switch_mode("chat")
        self._feeds.moved("Chat")
        if self.actor is not None:
            self._feeds.start_places(self.actor)

    async def sign_out(self, reason: str | None = None) -> None:
        """End the session: back to an empty sign-in form, saying why when there is a reason.
        Call it from the app's own work only (screens use `request_sign_out`)."""
        if self.actor is None and not self._places_open:
            return
        from workshop_tui.ui.job_watch import stop_watching_jobs

        self._watch.stop()
        stop_watching_jobs(self)
        self._feeds.stop()
        self.actor = None
        await self.switch_mode(ENTRY)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if self._places_open:
            for place in PLACES:
                await self.remove_mode(place.key)
            self._places_open = False
        self.user = None
        entry = self.screen
        if isinstance(entry, SignInScreen):
            entry.reset(f"Signed out: {reason}" if reason else None)
        if reason:
            say(self, f"Signed out: {reason}", severity="warning", timeout=15)

    def open_registration(self) -> None:
        from workshop_tui.ui.screens.register import RegisterScreen

        self.push_screen(RegisterScreen())

    async def go(self, key: str) -> None:
        """Open a sidebar place (or sign out)."""
        if key == "sign-out":
            await self.sign_out()
            return
        if key == FAMILY and self.user is not None and self._places_open:
            await self._open_family()
            return
        place = BY_KEY.get(key)
        if place is None or self.user is None or not place.visible_to(self.user.role) or not self._places_open:
            return
        await self.switch_mode(key)
        self._feeds.moved(place.label)

    def moved_to(self, place: str) -> None:
        """A screen that is not a place (the family view) tells who is online where this session is."""
        self._feeds.moved(place)

    async def _open_family(self) -> None:
        from workshop_tui.ui.screens.family import FamilyScreen

        if not isinstance(self.screen, FamilyScreen):
            await self.push_screen(FamilyScreen())

    def watch_user(self, user: User | None) -> None:
        self._feeds.user_changed(user)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed with something other than a service refusal: log it with this
        session's id and say so, and keep the session (one bad screen must not end it)."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            log.error("worker %s failed", event.worker.name, exc_info=error,
                      extra={"session_id": self.session.session_id})
            say(self, f"Something went wrong ({type(error).__name__}: {error}). Details are in the log.",
                severity="error", timeout=15)
